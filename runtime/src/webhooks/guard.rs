//! The SSRF guard: webhook URLs come from API callers, so the sender connects only to public
//! addresses. It resolves host names itself (as the HTTP connector's resolver) and keeps only vetted
//! addresses, so a name that resolves to a private address, now or after a DNS change
//! (rebinding), is never connected to; literal IP hosts, which skip the resolver, are checked by
//! [`check_url`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use url::Url;

/// Whether the sender may connect to `ip`: not loopback, private, link-local, unique-local,
/// shared (CGNAT), multicast, unspecified, broadcast, documentation or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0 // "this network", 0.0.0.0 included
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local, cloud metadata endpoints
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224; // multicast, reserved, broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // Addresses that embed an IPv4 address reach that address: judge it.
    let embedded = Ipv4Addr::new(
        (segments[6] >> 8) as u8,
        segments[6] as u8,
        (segments[7] >> 8) as u8,
        segments[7] as u8,
    );
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded); // NAT64
    }
    if segments[0] == 0x2002 {
        let v4 = Ipv4Addr::new(
            (segments[1] >> 8) as u8,
            segments[1] as u8,
            (segments[2] >> 8) as u8,
            segments[2] as u8,
        );
        return is_public_v4(v4); // 6to4
    }
    let reserved = segments[..6] == [0; 6] // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside sites)
        || (segments[0] & 0xff00) == 0xff00 // multicast
        || segments[..4] == [0x100, 0, 0, 0] // discard-only 100::/64
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x2001 && segments[1] == 0) // Teredo tunnels to any IPv4 address
        || (segments[0] == 0x2001 && segments[1] < 0x200); // other IETF protocol assignments
    !reserved
}

/// Checks a subscriber URL before each attempt: `https` or `http`, a host, and when the host is
/// an IP literal, a public one (unless private addresses are allowed).
pub fn check_url(url: &Url, allow_private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!(
            "`{}` URLs are not supported: webhooks are posted over https or http",
            url.scheme()
        ));
    }
    match url.host() {
        None => Err("the URL has no host".to_string()),
        Some(url::Host::Ipv4(ip)) if !allow_private && !is_public_v4(ip) => {
            Err(format!("{ip} is not a public address"))
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && !is_public_v6(ip) => {
            Err(format!("{ip} is not a public address"))
        }
        Some(_) => Ok(()),
    }
}

/// The resolver of the deliveries' connector: the system's resolution, with every non-public
/// address removed (unless private addresses are allowed).
#[derive(Clone)]
pub(crate) struct VettedResolver {
    pub allow_private: bool,
}

type Resolving = Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, io::Error>> + Send>>;

impl tower_service::Service<Name> for VettedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            // The port is replaced by the URL's own when connecting.
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let vetted: Vec<SocketAddr> = resolved
                .filter(|address| allow_private || is_public(address.ip()))
                .collect();
            if vetted.is_empty() {
                return Err(io::Error::other(format!(
                    "`{host}` resolves to no public address (webhooks refuse private addresses)"
                )));
            }
            Ok(vetted.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_refused_in_both_families() {
        for refused in [
            "0.0.0.0",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(!is_public(ip), "{refused} must be refused");
        }
        for allowed in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "::ffff:8.8.8.8",
            "2606:4700::1111",
            "2002:0808:0808::",
        ] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert!(is_public(ip), "{allowed} is public");
        }
    }

    #[test]
    fn literal_hosts_are_checked_and_only_http_and_https_are_sent_to() {
        let check = |url: &str, allow| check_url(&Url::parse(url).unwrap(), allow);
        assert!(check("http://127.0.0.1:8080/hook", false).is_err());
        assert!(check("http://[::ffff:7f00:1]/hook", false).is_err());
        assert!(check("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(check("http://example.com/hook", false).is_ok());
        assert!(check("https://example.com/hook", false).is_ok());
        assert!(check("https://10.0.0.1/hook", false).is_err());
        assert!(check("ftp://example.com/", true).is_err());
    }
}
