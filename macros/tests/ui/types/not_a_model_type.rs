omniface::package!("acme.pets.v1");

/// A plain Rust struct: it lacks `#[derive(omniface::Model)]`.
pub struct Owner {
    pub name: String,
}

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
    pub owner: Owner,
}

fn main() {}
