omniface::package!("acme.pets.v1");

use std::collections::HashMap;

#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
    pub labels: HashMap<String, String>,
}

fn main() {}
