//! `simdkern`: command-line front end of the library.
//!
//! - `simdkern info`: version, CPU features, ISA ladder, threads.
//! - `simdkern bench [--quick] [--isa NAME] [--only k1,k2]`: measure this
//!   core's limits, then time the level-1 kernels and GEMM against them.
//!
//! Arguments are parsed by hand: two subcommands do not justify a parser
//! dependency in a library crate.

mod bench;
mod bench_gemm;
mod bench_linalg;
mod bench_rans;
mod bench_sparse;
mod info;
mod limits;
mod timing;

use simdkern::runtime::Isa;
use std::process::ExitCode;

const USAGE: &str = "\
usage: simdkern <command> [options]

commands:
  info                 version, CPU features, ISA (detected, cap, active), threads
  bench [options]      measure this core's limits, then time the level-1 kernels
                       and GEMM against them
      --quick          shorter batches, no 64M and no n=2048 sizes (under ~30 s)
      --isa NAME       cap the ISA first: scalar, avx2, avx512, avx512_vnni
      --only K1,K2     only these kernels (sdot, ddot, dot_u8s8, saxpy, daxpy,
                       sscal, snrm2, dnrm2, sasum, isamax, sgemm, dgemm,
                       gemm_u8s8s32, qlinear)
  help                 this text
  version              the version";

/// A parsed command line.
#[derive(Debug)]
enum Command {
    Info,
    Bench(bench::BenchOpts),
    Help,
    Version,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match cmd.as_str() {
        "info" => match rest.first() {
            None => Ok(Command::Info),
            Some(extra) => Err(format!("info takes no arguments, got '{extra}'")),
        },
        "bench" => parse_bench(rest).map(Command::Bench),
        "help" | "-h" | "--help" => Ok(Command::Help),
        "version" | "-V" | "--version" => Ok(Command::Version),
        other => Err(format!("unknown command '{other}'")),
    }
}

fn parse_bench(args: &[String]) -> Result<bench::BenchOpts, String> {
    let mut opts = bench::BenchOpts::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        // Accept both `--isa avx2` and `--isa=avx2`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag {
            "--quick" if inline.is_none() => opts.quick = true,
            "--isa" => {
                let v = value("--isa")?;
                opts.isa = Some(Isa::parse(&v).ok_or_else(|| format!("unknown ISA '{v}'"))?);
            }
            "--only" => {
                let v = value("--only")?;
                opts.only = Some(v.split(',').map(|s| s.trim().to_string()).collect());
            }
            _ => return Err(format!("unknown bench option '{arg}'")),
        }
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(Command::Info) => info::run(),
        Ok(Command::Bench(opts)) => {
            if let Err(msg) = bench::run(&opts) {
                eprintln!("simdkern bench: {msg}");
                return ExitCode::FAILURE;
            }
        }
        Ok(Command::Help) => println!("{USAGE}"),
        Ok(Command::Version) => println!("simdkern {}", env!("CARGO_PKG_VERSION")),
        Err(msg) => {
            eprintln!("simdkern: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
