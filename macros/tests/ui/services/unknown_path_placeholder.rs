omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    #[omniface(http(get, "/pets/{id}"))]
    async fn get_pet(&self, ctx: &omniface::Context, pet_id: u64) -> Result<Pet, omniface::Error>;
}

fn main() {}
