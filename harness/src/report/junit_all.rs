//! One `junit.xml` over every script of a `run`: each scenario's testsuite as its
//! own run directory holds it, and an errored testsuite for a scenario the harness
//! could not carry out, so CI sees every script in one file.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::ReportError;

/// The testsuite of a scenario that ended in a harness error, without a verdict.
pub fn harness_error_suite(scenario: &str, script: &str, message: &str) -> TestSuite {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(format!("harness error: {message}"));
    status.set_type("harness_error");
    let mut case = TestCase::new(format!("{script} ran to a verdict"), status);
    case.set_classname(format!("invoice-chaos.{scenario}"));
    let mut suite = TestSuite::new(scenario.to_string());
    suite.add_test_case(case);
    suite
}

/// Renders the testsuites of one `run` as a single document, in script order.
pub fn render_junit_all(suites: Vec<TestSuite>) -> Result<String, ReportError> {
    let mut report = Report::new("invoice-chaos");
    report.add_test_suites(suites);
    report.to_string().map_err(|e| ReportError::Render {
        file: "junit.xml",
        message: e.to_string(),
    })
}
