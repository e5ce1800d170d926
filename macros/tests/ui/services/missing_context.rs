omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    async fn get_pet(&self, id: u64) -> Result<Pet, omniface::Error>;
}

fn main() {}
