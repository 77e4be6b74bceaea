//! `edgeplan import`: read one live zone (Cloudflare or the sandbox), build its manifest
//! ([`crate::import::build`], pure), and print it or write it to `-o FILE`.
//!
//! `-o FILE` is written the way a careful user expects of a file that will be committed: never
//! half written (a temporary file beside it, flushed, then moved into place) and never over an
//! existing file unless `--force` says so; without `--force` the move is a hard link, which fails
//! when the name exists, so a file created meanwhile is not replaced either.

use std::io::Write;
use std::path::Path;

use crate::cli::ImportArgs;
use crate::exit::Exit;
use crate::import::{self, Imported, build, escaped_name};
use crate::manifest;
use crate::plan::{Stored, Zone};
use crate::provider::{self, Provider};
use crate::render::{inert, plural};

use super::Failure;
use super::settings::Settings;
use super::target::{Target, with_provider};

pub(super) async fn run(args: &ImportArgs, settings: &Settings) -> Result<Exit, Failure> {
    let zone = manifest::zone(&args.zone).map_err(|bad| {
        Failure::new(Exit::Usage, format!("--zone: {}", bad.message)).help(bad.help)
    })?;
    if !manifest::valid_owner(&args.owner) {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "--owner `{}` is not an owner name",
                inert(&manifest::excerpt(&args.owner))
            ),
        )
        .help("an owner is 1 to 32 of a-z, 0-9, `_` and `-`, starting with a letter or digit"));
    }
    if let Some(path) = &args.out {
        refuse_existing(path, args.force)?;
    }
    // stdout may be the manifest: the sandbox notice goes to stderr.
    super::target::announce(&args.target, settings, false)?;
    let target = Target::resolve(&args.target, settings)?;
    let (zone, records) = with_provider!(&target, p => read(p, &zone).await)?;
    let imported = build(&zone, &records, &args.owner).map_err(|e| match e {
        import::Error::TooLarge { bytes, endpoints } => Failure::new(
            Exit::Rejected,
            format!(
                "the manifest for the {endpoints} CNAME records of {} would be {} KiB, over the {} KiB a manifest may hold; nothing was written",
                zone.name,
                bytes.div_ceil(1024),
                manifest::MAX_BYTES / 1024
            ),
        )
        .help("one manifest holds 5,000 to 8,000 endpoints, depending on their notes; split the zone between owners (import cannot split it for you yet)"),
        import::Error::Fault(e) => Failure::new(Exit::Rejected, e)
            .help("this is a fault of edgeplan import; please report it"),
    })?;

    let own = imported.own_left_out();
    if !own.is_empty() {
        let names: Vec<String> = own
            .iter()
            .map(|l| format!("{} {} ({})", l.kind, escaped_name(&l.name), l.reason))
            .collect();
        return Err(Failure::new(
            Exit::Rejected,
            format!(
                "{} record{} that owner `{}` already holds in {} cannot be written in a manifest, and a plan with the manifest would delete {}: {}",
                own.len(),
                plural(own.len()),
                args.owner,
                zone.name,
                if own.len() == 1 { "it" } else { "them" },
                names.join("; ")
            ),
        )
        .help("change or remove those records in Cloudflare (or their ownership marker in the comment), then import again; nothing was written"));
    }

    match &args.out {
        Some(path) => write_atomically(path, &imported.text, args.force)?,
        None => {
            // A manifest cut short may still validate, and a plan with it would delete what was
            // left out: a failed write (a full disk, a closed pipe) is a failed import.
            let mut out = std::io::stdout().lock();
            if let Err(err) = out
                .write_all(imported.text.as_bytes())
                .and_then(|()| out.flush())
            {
                return Err(Failure::new(
                    Exit::Rejected,
                    format!("could not write the manifest to standard output: {err}"),
                )
                .help("what was written is incomplete: do not use it; write to a file with -o FILE, which is replaced only when whole"));
            }
        }
    }
    errln!("{}", summary(&imported, &zone, args.out.as_deref()));
    Ok(Exit::Success)
}

async fn read<P: Provider>(p: &P, zone: &str) -> Result<(Zone, Vec<Stored>), provider::Error> {
    let zone = p.zone(zone, None).await?;
    let records = p.records(&zone).await?;
    Ok((zone, records))
}

/// One line on stderr: what the manifest holds and what it does not.
fn summary(imported: &Imported, zone: &Zone, out: Option<&Path>) -> String {
    let mut line = format!(
        "Imported {} CNAME record{} of {} ({} to adopt)",
        imported.endpoints,
        plural(imported.endpoints),
        zone.name,
        imported.adopted
    );
    if let Some(path) = out {
        line.push_str(&format!(" into {}", inert(&path.display().to_string())));
    }
    if !imported.left_out.is_empty() {
        line.push_str(&format!(
            "; left out {} (listed at the end of the manifest)",
            imported.left_out.len()
        ));
    }
    let unmanaged: usize = imported.unmanaged.values().sum();
    line.push_str(&format!(
        "; not imported: {} record{} of other owners, {} of other types. Next: edgeplan plan -m FILE shows only records taken over.",
        imported.other_owners,
        plural(imported.other_owners),
        unmanaged
    ));
    line
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn refuse_existing(path: &Path, force: bool) -> Result<(), Failure> {
    if !force && exists(path) {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{} exists; import does not replace a file",
                inert(&path.display().to_string())
            ),
        )
        .help("give another -o FILE, or add --force to replace it"));
    }
    Ok(())
}

/// Writes `text` to `path` whole ([`crate::sandbox::write_beside`]); without `force`, never
/// over an existing name.
fn write_atomically(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    match crate::sandbox::write_beside(path, text, force) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => refuse_existing(path, false),
        Err(e) => Err(Failure::new(
            Exit::Rejected,
            format!("cannot write {}: {e}", inert(&path.display().to_string())),
        )),
    }
}
