//! Every citation `authbench recommend` prints points to a document that exists in the
//! repository, and to a section that exists in that document.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use authbench_recommend::{Measurements, Reason, Recommendation, criteria, recommend};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The headings of a Markdown document, without their `#` marks.
fn markdown_headings(text: &str) -> Vec<&str> {
    let mut in_code = false;
    let mut headings = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            headings.push(line.trim_start_matches('#').trim());
        }
    }
    headings
}

/// Whether `section` is a section of `document` (a path from the repository root): a heading
/// of a Markdown document, or for the seed page each `;`-separated section path, whose last
/// `›` part is a line of the page.
fn has_section(document: &str, section: &str) -> Result<(), String> {
    let path = repository_root().join(document);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("`{document}` is not a readable file in the repository: {e}"))?;
    let found = if document.ends_with(".md") {
        markdown_headings(&text).contains(&section)
    } else {
        section.split(';').all(|part| {
            let last = part.rsplit('›').next().unwrap_or(part).trim();
            !last.is_empty() && text.lines().any(|line| line.trim() == last)
        })
    };
    if found {
        Ok(())
    } else {
        Err(format!("`{document}` has no section `{section}`"))
    }
}

fn check_reason(context: &str, r: &Reason) {
    if let Err(e) = has_section(r.document, r.section) {
        panic!("{context}: [{}] cites {}: {e}", r.criterion, r.source);
    }
    assert!(
        r.source.contains(r.document),
        "{context}: [{}] the printed citation `{}` does not name `{}`",
        r.criterion,
        r.source,
        r.document
    );
    // The JSON carries the same citation.
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["criterion"], r.criterion.as_str(), "{context}");
    assert_eq!(json["document"], r.document, "{context}");
    assert_eq!(json["section"], r.section, "{context}");
}

fn check_answer(context: &str, answer: &Recommendation) -> usize {
    let mut checked = 0;
    for option in &answer.ranking {
        for r in &option.reasons {
            check_reason(&format!("{context}, {}", option.option), r);
            checked += 1;
        }
    }
    for r in &answer.warnings {
        check_reason(&format!("{context}, warning"), r);
        checked += 1;
    }
    checked
}

#[test]
fn every_example_cites_only_documents_and_sections_that_exist() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(common::deployments_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "{examples:?}");
    let with_figures = common::figures(&common::typical());
    let mut checked = 0;
    for path in &examples {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let loaded = common::example(&name);
        checked += check_answer(
            &format!("{name} without figures"),
            &recommend(&loaded, &Measurements::none()),
        );
        checked += check_answer(
            &format!("{name} with figures"),
            &recommend(&loaded, &with_figures),
        );
    }
    assert!(checked > 40, "only {checked} reasons checked");
}

#[test]
fn every_criterion_cites_a_document_and_section_that_exist() {
    for c in criteria::CRITERIA {
        if let Err(e) = has_section(c.source.document(), c.source.section()) {
            panic!("{}: {e}", c.id);
        }
    }
}

#[test]
fn criterion_ids_keep_their_text() {
    for c in criteria::CRITERIA {
        assert_eq!(c.id.criterion().id, c.id);
        assert_eq!(criteria::find(c.id.as_str()).map(|f| f.id), Some(c.id));
        assert_eq!(
            serde_json::to_value(c.id).unwrap(),
            serde_json::Value::String(c.id.to_string())
        );
    }
    assert_eq!(
        criteria::CriterionId::FileSmallSimple.as_str(),
        "file.small-simple"
    );
    assert_eq!(criteria::find("no.such-criterion").map(|c| c.id), None);
}
