omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
    pub position: (f64, f64),
}

fn main() {}
