omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
    #[omniface(length(1..=10))]
    pub age: u32,
}

fn main() {}
