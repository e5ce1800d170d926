omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

#[derive(omniface::Model)]
pub enum PetEvent {
    Added(Pet),
    Cleared,
}

fn main() {}
