omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[derive(omniface::Model)]
#[omniface(error, http_status(404))]
pub struct PetNotFound {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    #[omniface(throws(PetNotFound))]
    async fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;
}

fn main() {}
