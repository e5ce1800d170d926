omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    #[omniface(number(1))]
    pub id: u64,
}

fn main() {}
