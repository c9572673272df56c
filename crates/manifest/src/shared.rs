//! Broker credentials used by several services: credentials that share an identity are one
//! credential, whatever object or file writes them.
//!
//! Identities are the strings in `Credential::identities`: `fnv:` fingerprints of literals,
//! references (`secretKeyRef:name/key`, `secretRef:name`, `docker-secret:x`, `vault://...`) and
//! `env:VAR` interpolations, which only mean the same variable within one file (each compose
//! file is deployed with its own environment). A value stored in a Kubernetes `Secret` ties its
//! fingerprint to the references that read it; a workload that mounts or imports a whole
//! Secret reads every key of it. Grouping is a union-find over identity strings: linear in the
//! number of identities (up to 64 expanded keys per whole-Secret user), never pairwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use hooklint_model::manifest::{Credential, Document, SharedCredential};

/// Most uses listed in one entry's `others`; the rest are counted in `more`.
pub const MAX_OTHERS: usize = 64;
/// Most keys of one Secret a whole-Secret user is linked through.
const MAX_SECRET_KEYS: usize = 64;

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb.max(ra)] = rb.min(ra);
        }
    }
}

/// A credential with the document facts the grouping needs.
struct Use<'a> {
    cred: &'a Credential,
    in_test: bool,
}

pub fn shared_credentials(documents: &[Document]) -> Vec<SharedCredential> {
    let uses: Vec<Use<'_>> = documents
        .iter()
        .flat_map(|d| d.credentials.iter().map(move |c| Use { cred: c, in_test: d.is_test }))
        .filter(|u| u.cred.role == "store" || u.cred.is_reference || !u.cred.broker.is_empty())
        .collect();
    // Keys of each stored Secret, for users of the whole Secret.
    let mut secret_keys: HashMap<&str, Vec<String>> = HashMap::new();
    for u in uses.iter().filter(|u| u.cred.role == "store") {
        let Some(secret) = u.cred.service.strip_prefix("secret/") else { continue };
        let keys = secret_keys.entry(secret).or_default();
        if keys.len() < MAX_SECRET_KEYS {
            keys.push(format!("secretKeyRef:{secret}/{}", u.cred.name));
        }
    }
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut uf = UnionFind { parent: Vec::new() };
    let mut id_of = |key: String, uf: &mut UnionFind| -> usize {
        let next = ids.len();
        let id = *ids.entry(key).or_insert(next);
        if id == uf.parent.len() {
            uf.parent.push(id);
        }
        id
    };
    let mut keys_of: Vec<Vec<usize>> = Vec::with_capacity(uses.len());
    for u in &uses {
        let mut keys = Vec::new();
        let identities: Vec<&String> = if u.cred.identities.is_empty() {
            vec![&u.cred.fingerprint]
        } else {
            u.cred.identities.iter().collect()
        };
        for identity in identities {
            if identity.is_empty() || identity.starts_with("template:") {
                continue;
            }
            // A literal ties credentials together only when it is a broker's: a database
            // password that happens to equal a broker password is not a broker credential.
            if identity.starts_with("fnv:") && u.cred.broker.is_empty() && u.cred.role != "store" {
                continue;
            }
            let key = if identity.starts_with("env:") {
                format!("{}|{identity}", u.cred.span.file)
            } else {
                identity.clone()
            };
            keys.push(id_of(key, &mut uf));
            if let Some(secret) = identity.strip_prefix("secretRef:") {
                for k in secret_keys.get(secret).into_iter().flatten() {
                    keys.push(id_of(k.clone(), &mut uf));
                }
            }
        }
        if u.cred.role == "store" {
            for pair in keys.windows(2) {
                uf.union(pair[0], pair[1]);
            }
        }
        keys_of.push(keys);
    }
    // Members of each group (a use may be in several groups through several identities).
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, keys) in keys_of.iter().enumerate() {
        let roots: BTreeSet<usize> = keys.iter().map(|&k| uf.find(k)).collect();
        for root in roots {
            groups.entry(root).or_default().push(i);
        }
    }
    // One entry per (group, file with a client), merged when the same use anchors several.
    let mut entries: BTreeMap<(String, u32, u32, String), Entry<'_>> = BTreeMap::new();
    for members in groups.values() {
        let clients: Vec<usize> =
            members.iter().copied().filter(|&i| uses[i].cred.role == "client").collect();
        if clients.is_empty() || members.len() < 2 {
            continue;
        }
        let services = |role: &str| -> BTreeSet<&str> {
            members
                .iter()
                .filter(|&&i| uses[i].cred.role == role)
                .map(|&i| uses[i].cred.service.as_str())
                .collect()
        };
        let client_services = services("client");
        let server_services = services("server");
        if client_services.len() < 2 && server_services.is_empty() {
            continue;
        }
        let uses_ref = &uses;
        let broker = ["client", "server", "store"]
            .iter()
            .flat_map(|role| members.iter().filter(move |&&i| uses_ref[i].cred.role == *role))
            .map(|&i| uses_ref[i].cred.broker.as_str())
            .find(|b| !b.is_empty())
            .unwrap_or("");
        let mut anchors: BTreeMap<&str, usize> = BTreeMap::new();
        // The first client in each file, preferring one that names the broker.
        let rank = |i: usize| (uses[i].cred.broker.is_empty(), order(uses[i].cred));
        for &i in &clients {
            let c = uses[i].cred;
            let slot = anchors.entry(c.span.file.as_str()).or_insert(i);
            if rank(i) < rank(*slot) {
                *slot = i;
            }
        }
        for &anchor in anchors.values() {
            let a = uses[anchor].cred;
            let key = (a.span.file.to_string(), a.span.line, a.span.column, a.service.clone());
            let entry = entries.entry(key).or_insert_with(|| Entry {
                anchor,
                broker: "",
                others: BTreeSet::new(),
                clients: BTreeSet::new(),
                servers: BTreeSet::new(),
            });
            if entry.broker.is_empty() {
                entry.broker = broker;
            }
            entry.clients.extend(client_services.iter().copied());
            entry.servers.extend(server_services.iter().copied());
            for &m in members.iter().filter(|&&m| m != anchor) {
                let c = uses[m].cred;
                // The same service reading the credential twice is one user.
                if c.service == a.service && c.span.file == a.span.file {
                    continue;
                }
                entry.others.insert(m);
            }
        }
    }
    let mut out: Vec<SharedCredential> = entries
        .into_values()
        .map(|e| {
            let mut others: Vec<&Credential> = e.others.iter().map(|&i| uses[i].cred).collect();
            others.sort_by(|x, y| order(x).cmp(&order(y)));
            others.dedup_by(|x, y| order(x) == order(y));
            let more = others.len().saturating_sub(MAX_OTHERS);
            others.truncate(MAX_OTHERS);
            SharedCredential {
                broker: e.broker.to_string(),
                credential: uses[e.anchor].cred.clone(),
                others: others.into_iter().cloned().collect(),
                client_services: e.clients.iter().map(|s| s.to_string()).collect(),
                server_services: e.servers.iter().map(|s| s.to_string()).collect(),
                more: i64::try_from(more).unwrap_or(i64::MAX),
                in_test: uses[e.anchor].in_test,
            }
        })
        .collect();
    out.sort_by(|x, y| order(&x.credential).cmp(&order(&y.credential)));
    out
}

struct Entry<'a> {
    anchor: usize,
    broker: &'a str,
    others: BTreeSet<usize>,
    clients: BTreeSet<&'a str>,
    servers: BTreeSet<&'a str>,
}

/// Path, line, column, service, role: the order uses are listed in.
fn order(c: &Credential) -> (&str, u32, u32, &str, &str) {
    (&c.span.file, c.span.line, c.span.column, &c.service, &c.role)
}
