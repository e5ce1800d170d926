omniface::package!("acme.pets.v1");
omniface::package!("acme.shop.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

fn main() {}
