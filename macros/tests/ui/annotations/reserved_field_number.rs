omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
#[omniface(reserved(4, "nickname"))]
pub struct Pet {
    #[omniface(number = 1)]
    pub id: u64,
    #[omniface(number = 4)]
    pub name: String,
}

fn main() {}
