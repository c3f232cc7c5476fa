//! docs/choosing-an-auth-mode.md is written from the same rules as the engine: its rule table is
//! the generated one, it names every criterion, and its examples table says what the engine
//! answers.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use authbench_recommend::{criteria, recommend};

fn guide_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/choosing-an-auth-mode.md")
}

const BEGIN: &str = "<!-- criteria:begin -->\n";
const END: &str = "<!-- criteria:end -->";

/// The guide with its rule table replaced by the generated one.
fn regenerated(guide: &str) -> Option<String> {
    let start = guide.find(BEGIN)? + BEGIN.len();
    let end = guide.find(END)?;
    (start <= end).then(|| {
        format!(
            "{}{}{}",
            &guide[..start],
            criteria::markdown_table(),
            &guide[end..]
        )
    })
}

#[test]
fn the_rule_table_is_the_generated_one() {
    let guide = std::fs::read_to_string(guide_path()).unwrap();
    let fresh = regenerated(&guide).expect("the guide has criteria:begin / criteria:end markers");
    if std::env::var_os("UPDATE_GUIDE").is_some() {
        std::fs::write(guide_path(), &fresh).unwrap();
        return;
    }
    assert!(
        guide == fresh,
        "docs/choosing-an-auth-mode.md's rule table is out of date with the criteria.\n\
         Regenerate it with\n\n    UPDATE_GUIDE=1 cargo test -p authbench-recommend --test guide\n"
    );
}

#[test]
fn the_guide_names_every_criterion() {
    let guide = std::fs::read_to_string(guide_path()).unwrap();
    for c in criteria::CRITERIA {
        assert!(
            guide.contains(&format!("`{}`", c.id)),
            "the guide does not name {}",
            c.id
        );
    }
}

#[test]
fn the_examples_table_says_what_the_engine_answers() {
    let guide = std::fs::read_to_string(guide_path()).unwrap();
    let table = guide
        .split("<!-- examples:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- examples:end -->").next())
        .expect("the guide has examples:begin / examples:end markers");
    let rows: Vec<(String, String)> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_owned(),
                cells[2].trim_matches('`').to_owned(),
            )
        })
        .collect();
    let mut shipped: Vec<String> = std::fs::read_dir(common::deployments_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    shipped.sort();
    let mut listed: Vec<String> = rows.iter().map(|(f, _)| f.clone()).collect();
    listed.sort();
    assert_eq!(
        listed, shipped,
        "the guide's examples are not the shipped ones"
    );
    let figures = common::figures(&common::typical());
    for (file, first) in rows {
        let answer = recommend(&common::example(&file), &figures);
        assert_eq!(
            answer.first_choice().map(|c| c.id().to_owned()),
            Some(first.clone()),
            "the guide says {file} → {first}"
        );
    }
}
