omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Owner {
    pub name: String,
}

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
    pub owner: Ownr,
}

fn main() {}
