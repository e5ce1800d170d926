omniface::package!("acme.pets.v1");

#[derive(omniface::Model)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

fn main() {}
