//! `docs/openapi/tax-platform.yaml` as a validator: finds the schema the document
//! declares for a response (or a request body) and checks a body against it with
//! JSON Schema 2020-12, formats included. It notes every operation a test checked,
//! so a test can tell which documented operations it never exercised.

use std::collections::BTreeSet;
use std::sync::Mutex;

use reqwest::Response;
use serde_json::{Map, Value};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

pub struct Document {
    doc: Value,
    exercised: Mutex<BTreeSet<(String, String)>>,
}

impl Document {
    pub fn load() -> Document {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/openapi/tax-platform.yaml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        Document {
            doc: serde_yaml::from_str(&text).unwrap(),
            exercised: Mutex::default(),
        }
    }

    /// Every (METHOD, path template) the document declares.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if METHODS.contains(&method.as_str()) {
                    operations.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    /// The documented operations no call to [`Document::check`] has covered.
    pub fn unexercised(&self) -> Vec<(String, String)> {
        let exercised = self.exercised.lock().unwrap();
        self.operations()
            .into_iter()
            .filter(|op| !exercised.contains(op))
            .collect()
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let operation = &self.doc["paths"][template][method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not in the document"
        );
        operation
    }

    /// Follows a `$ref` to `#/components/…`, if the value is one.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => self
                .doc
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling reference {reference}")),
            None => value,
        }
    }

    /// Validates `instance` against `schema`, whose `#/components/…` references
    /// resolve in this document.
    pub fn validate(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let mut root = match schema {
            Value::Object(map) => map.clone(),
            other => panic!("a schema that is not an object: {other}"),
        };
        root.insert("components".into(), self.doc["components"].clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Validates `instance` against `#/components/schemas/{name}`.
    pub fn validate_component(&self, name: &str, instance: &Value) -> Result<(), String> {
        let schema = Value::Object(Map::from_iter([(
            "$ref".to_owned(),
            Value::String(format!("#/components/schemas/{name}")),
        )]));
        self.validate(&schema, instance)
    }

    /// Validates a JSON request body against the operation's declared request schema.
    pub fn validate_request(
        &self,
        method: &str,
        template: &str,
        body: &Value,
    ) -> Result<(), String> {
        let operation = self.operation(method, template);
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{method} {template} takes no JSON body");
        self.validate(schema, body)
    }

    /// Checks that `response` answers `method template` with `status`, that the
    /// document declares that status and the response's content type for it, and
    /// that the body validates (each line, for JSON lines). Returns the body: a
    /// JSON value, or an array of the lines' values.
    pub async fn check(
        &self,
        method: &str,
        template: &str,
        response: Response,
        status: u16,
    ) -> Value {
        let got = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {template}: {text}");
        let declared =
            self.resolve(&self.operation(method, template)["responses"][got.to_string()]);
        assert!(
            declared.is_object(),
            "{method} {template} answered {got}, which the document does not declare: {text}"
        );
        let schema = &declared["content"][&content_type]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} {got} answered {content_type:?}, which the document \
             does not declare"
        );
        let body = if content_type == "application/x-ndjson" {
            let lines: Vec<Value> = text
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect();
            for (i, line) in lines.iter().enumerate() {
                if let Err(err) = self.validate(schema, line) {
                    panic!("{method} {template} {got}, line {}: {err}\n{line}", i + 1);
                }
            }
            Value::Array(lines)
        } else {
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {template} {got}: not JSON ({e}): {text}"));
            if let Err(err) = self.validate(schema, &body) {
                panic!("{method} {template} {got}: {err}\n{body}");
            }
            body
        };
        self.exercised
            .lock()
            .unwrap()
            .insert((method.to_owned(), template.to_owned()));
        body
    }
}
