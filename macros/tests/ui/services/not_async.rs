omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    fn get_pet(&self, ctx: &omniface::Context, id: u64) -> Result<Pet, omniface::Error>;
}

fn main() {}
