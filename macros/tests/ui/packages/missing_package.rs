#[derive(omniface::Model)]
pub struct Pet {
    pub id: u64,
}

fn main() {}
