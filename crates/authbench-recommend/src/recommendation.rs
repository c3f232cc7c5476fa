//! What `authbench recommend` answers: every option ranked, each with its reasons.

use std::collections::BTreeMap;

use authbench_scenario::Mode;
use serde::Serialize;

use crate::capacity::CapacityPlan;
use crate::criteria::{self, CriterionId, Effect};
use crate::measurements::FigureSource;
use crate::option::Choice;

/// Why an option gained or lost: one criterion applied to the deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The criterion's stable id (serialized as its text, `file.small-simple`).
    pub criterion: CriterionId,
    /// Where the criterion comes from, in one line
    /// (`design: docs/choosing-an-auth-mode.md › Combinations`).
    pub source: String,
    /// The document the criterion cites: a path from the repository root.
    pub document: &'static str,
    /// The section of `document` it cites.
    pub section: &'static str,
    /// What it does to the option.
    pub effect: Effect,
    /// The reason in words, with the deployment's own numbers.
    pub text: String,
    /// The measured figure behind it, for reasons from measurements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<Figure>,
}

impl Reason {
    /// `c` applied with `effect`, worded as `text`.
    pub(crate) fn new(
        c: &'static criteria::Criterion,
        effect: Effect,
        text: String,
        figure: Option<Figure>,
    ) -> Self {
        Reason {
            criterion: c.id,
            source: c.source.cite(),
            document: c.source.document(),
            section: c.source.section(),
            effect,
            text,
            figure,
        }
    }
}

/// A measured figure compared with the deployment's needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// The modes whose latency adds up to `p99_us`.
    pub modes: Vec<Mode>,
    /// The p99 decision latency compared, in microseconds (network round trip included when
    /// given).
    pub p99_us: f64,
    /// The deployment's budget, in microseconds.
    pub budget_us: f64,
    /// The join rate the option must carry, per second.
    pub rate_per_s: f64,
    /// The throughput a load run reached, when it fell short of `rate_per_s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput_per_s: Option<f64>,
}

/// How an option fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The best fit.
    Recommended,
    /// Could serve the deployment.
    Viable,
    /// Could run, but fits badly (negative score, or a measured figure misses the need).
    PoorFit,
    /// Cannot serve the deployment.
    RuledOut,
}

impl Verdict {
    /// `recommended`, `viable`, `poor fit`, `ruled out`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Recommended => "recommended",
            Verdict::Viable => "viable",
            Verdict::PoorFit => "poor fit",
            Verdict::RuledOut => "ruled out",
        }
    }
}

/// One option in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedOption {
    /// 1 is best.
    pub rank: usize,
    /// The option.
    pub option: Choice,
    /// What it means.
    pub summary: &'static str,
    /// The modes it runs.
    pub modes: Vec<Mode>,
    /// How it fits.
    pub verdict: Verdict,
    /// The sum of its reasons' points (ruled-out options keep theirs, for reference).
    pub score: i32,
    /// Its reasons, the weightiest first: what rules it out, then points by size, then notes.
    pub reasons: Vec<Reason>,
    /// For an option that runs an auth service (and is not ruled out): the instances and
    /// load-generator workers its peak needs, from measured figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_plan: Option<CapacityPlan>,
}

impl RankedOption {
    /// Whether a hard constraint rules the option out.
    pub fn ruled_out(&self) -> bool {
        self.verdict == Verdict::RuledOut
    }
}

/// The answer for one deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The deployment's name.
    pub deployment: String,
    /// Its file.
    pub source: String,
    /// The deployment in one line.
    pub facts: String,
    /// Where the measured figures came from.
    pub figures: FigureSource,
    /// What to keep in mind about the figures.
    pub figure_notes: Vec<String>,
    /// The answer in one sentence.
    pub answer: String,
    /// Every option, best first.
    pub ranking: Vec<RankedOption>,
    /// What holds whichever option is chosen (clients no mode can authenticate, …).
    pub warnings: Vec<Reason>,
}

impl Recommendation {
    /// The first choice, unless every option is ruled out.
    pub fn first_choice(&self) -> Option<Choice> {
        self.ranking
            .first()
            .filter(|o| !o.ruled_out())
            .map(|o| o.option)
    }

    /// The ranked entry for `choice`.
    pub fn option(&self, choice: Choice) -> Option<&RankedOption> {
        self.ranking.iter().find(|o| o.option == choice)
    }
}

/// Collects reasons per option while the rules run.
#[derive(Debug, Default)]
pub(crate) struct Board {
    reasons: BTreeMap<Choice, Vec<Reason>>,
    /// Options with a measured figure that misses the need.
    breaches: Vec<Choice>,
}

impl Board {
    /// Applies criterion `id` to every option it names, with `text`.
    pub(crate) fn fire(&mut self, id: CriterionId, text: impl Into<String>) {
        let text = text.into();
        let c = id.criterion();
        for (choice, _) in c.effects {
            self.push(*choice, c, text.clone(), None);
        }
    }

    /// Applies criterion `id` to `choice` only (a criterion that does not name `choice` does
    /// nothing to it).
    pub(crate) fn fire_for(
        &mut self,
        id: CriterionId,
        choice: Choice,
        text: impl Into<String>,
        figure: Option<Figure>,
    ) {
        self.push(choice, id.criterion(), text.into(), figure);
    }

    fn push(
        &mut self,
        choice: Choice,
        c: &'static criteria::Criterion,
        text: String,
        figure: Option<Figure>,
    ) {
        let Some(effect) = c.effect_on(choice) else {
            return;
        };
        self.reasons
            .entry(choice)
            .or_default()
            .push(Reason::new(c, effect, text, figure));
    }

    /// Marks `choice` as missing a measured need.
    pub(crate) fn breach(&mut self, choice: Choice) {
        self.breaches.push(choice);
    }

    /// Whether `choice` is ruled out so far.
    pub(crate) fn is_ruled_out(&self, choice: Choice) -> bool {
        self.reasons
            .get(&choice)
            .is_some_and(|rs| rs.iter().any(|r| r.effect == Effect::RulesOut))
    }

    /// Ranks the options: those not ruled out first, by score (highest first), ties to the
    /// simpler option; then the ruled-out ones the same way.
    pub(crate) fn rank(mut self) -> Vec<RankedOption> {
        let mut options: Vec<RankedOption> = Choice::ALL
            .iter()
            .map(|&choice| {
                let mut reasons = self.reasons.remove(&choice).unwrap_or_default();
                reasons.sort_by_key(|r| weight(r.effect));
                let score = reasons
                    .iter()
                    .map(|r| match r.effect {
                        Effect::Points(p) => p,
                        _ => 0,
                    })
                    .sum();
                let ruled_out = reasons.iter().any(|r| r.effect == Effect::RulesOut);
                let verdict = if ruled_out {
                    Verdict::RuledOut
                } else if score < 0 || self.breaches.contains(&choice) {
                    Verdict::PoorFit
                } else {
                    Verdict::Viable
                };
                RankedOption {
                    rank: 0,
                    option: choice,
                    summary: choice.summary(),
                    modes: choice.modes().to_vec(),
                    verdict,
                    score,
                    reasons,
                    capacity_plan: None,
                }
            })
            .collect();
        options.sort_by(|a, b| {
            a.ruled_out()
                .cmp(&b.ruled_out())
                .then(b.score.cmp(&a.score))
                .then(a.option.cmp(&b.option))
        });
        for (i, o) in options.iter_mut().enumerate() {
            o.rank = i + 1;
        }
        if let Some(first) = options.first_mut()
            && first.verdict == Verdict::Viable
        {
            first.verdict = Verdict::Recommended;
        }
        options
    }
}

/// Sort key of a reason: rules-out first, then larger points, then notes.
fn weight(effect: Effect) -> (u8, i32) {
    match effect {
        Effect::RulesOut => (0, 0),
        Effect::Points(p) => (1, -p.abs()),
        Effect::Note => (2, 0),
    }
}
