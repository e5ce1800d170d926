omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[omniface::service]
pub trait PetStore {
    async fn touch_pet(&self, ctx: &omniface::Context, id: u64);
}

fn main() {}
