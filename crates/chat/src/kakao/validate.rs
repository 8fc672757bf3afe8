//! One validator for every documented SkillResponse limit. It reads the JSON as sent, so tests
//! can run it on any response body, whoever produced it.

use serde_json::Value;

use super::*;

/// One broken rule: where (a JSON path) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path, e.g. `template.outputs[1].carousel.items[0].items`.
    pub path: String,
    /// The rule.
    pub rule: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.rule)
    }
}

struct Check {
    out: Vec<Violation>,
}

impl Check {
    fn fail(&mut self, path: &str, rule: impl Into<String>) {
        self.out.push(Violation {
            path: path.to_string(),
            rule: rule.into(),
        });
    }

    fn text(&mut self, v: &Value, path: &str, max: usize, required: bool) {
        match v.as_str() {
            Some(s) if s.chars().count() > max => self.fail(
                path,
                format!("{} characters, at most {max}", s.chars().count()),
            ),
            Some(_) => {}
            None if v.is_null() && !required => {}
            None => self.fail(path, "must be a string"),
        }
    }

    fn array<'a>(&mut self, v: &'a Value, path: &str, min: usize, max: usize) -> &'a [Value] {
        match v.as_array() {
            Some(a) if a.len() < min || a.len() > max => {
                self.fail(path, format!("{} entries, allowed {min}..={max}", a.len()));
                a
            }
            Some(a) => a,
            None if v.is_null() && min == 0 => &[],
            None => {
                self.fail(path, "must be an array");
                &[]
            }
        }
    }

    fn buttons(&mut self, card: &Value, path: &str) {
        let vertical = card["buttonLayout"].as_str() != Some("horizontal");
        let max = if vertical { 3 } else { 2 };
        let buttons = self.array(&card["buttons"], &format!("{path}.buttons"), 0, max);
        let label_max = if !vertical && buttons.len() == 2 {
            BUTTON_LABEL_SIDE_BY_SIDE_MAX
        } else {
            BUTTON_LABEL_MAX
        };
        for (i, b) in buttons.iter().enumerate() {
            let p = format!("{path}.buttons[{i}]");
            self.text(&b["label"], &format!("{p}.label"), label_max, true);
            match b["action"].as_str() {
                Some("webLink") => self.text(
                    &b["webLinkUrl"],
                    &format!("{p}.webLinkUrl"),
                    usize::MAX,
                    true,
                ),
                Some("message") => self.text(
                    &b["messageText"],
                    &format!("{p}.messageText"),
                    SIMPLE_TEXT_MAX,
                    true,
                ),
                Some("phone") => self.text(
                    &b["phoneNumber"],
                    &format!("{p}.phoneNumber"),
                    usize::MAX,
                    true,
                ),
                Some("block") => {
                    self.text(&b["blockId"], &format!("{p}.blockId"), usize::MAX, true)
                }
                Some("share" | "operator" | "osLink" | "addChannel") => {}
                _ => self.fail(&format!("{p}.action"), "unknown button action"),
            }
        }
    }

    fn component(&mut self, c: &Value, path: &str, in_carousel: bool) {
        let Some((kind, body)) = c
            .as_object()
            .and_then(|o| (o.len() == 1).then(|| o.iter().next()).flatten())
        else {
            return self.fail(path, "a component is an object with exactly one key");
        };
        let p = format!("{path}.{kind}");
        match kind.as_str() {
            "simpleText" if !in_carousel => {
                self.text(&body["text"], &format!("{p}.text"), SIMPLE_TEXT_MAX, true)
            }
            "simpleImage" if !in_carousel => {
                self.text(
                    &body["imageUrl"],
                    &format!("{p}.imageUrl"),
                    usize::MAX,
                    true,
                );
                self.text(&body["altText"], &format!("{p}.altText"), 50, true);
            }
            "textCard" => {
                self.text(&body["title"], &format!("{p}.title"), TITLE_MAX, false);
                let max = if in_carousel { 128 } else { 400 };
                self.text(
                    &body["description"],
                    &format!("{p}.description"),
                    max,
                    false,
                );
                self.buttons(body, &p);
            }
            "basicCard" => {
                self.text(&body["title"], &format!("{p}.title"), TITLE_MAX, false);
                self.text(
                    &body["description"],
                    &format!("{p}.description"),
                    230,
                    false,
                );
                self.text(
                    &body["thumbnail"]["imageUrl"],
                    &format!("{p}.thumbnail.imageUrl"),
                    usize::MAX,
                    true,
                );
                self.buttons(body, &p);
            }
            "listCard" => {
                self.text(
                    &body["header"]["title"],
                    &format!("{p}.header.title"),
                    TITLE_MAX,
                    true,
                );
                let max = if in_carousel {
                    LIST_ITEMS_IN_CAROUSEL_MAX
                } else {
                    LIST_ITEMS_MAX
                };
                for (i, item) in self
                    .array(&body["items"], &format!("{p}.items"), 1, max)
                    .iter()
                    .enumerate()
                {
                    let ip = format!("{p}.items[{i}]");
                    self.text(&item["title"], &format!("{ip}.title"), TITLE_MAX, true);
                    self.text(
                        &item["description"],
                        &format!("{ip}.description"),
                        ITEM_DESCRIPTION_MAX,
                        false,
                    );
                }
                self.buttons(body, &p);
            }
            "itemCard" => {
                let max = if in_carousel { 5 } else { 10 };
                for (i, item) in self
                    .array(&body["itemList"], &format!("{p}.itemList"), 1, max)
                    .iter()
                    .enumerate()
                {
                    self.text(&item["title"], &format!("{p}.itemList[{i}].title"), 6, true);
                }
                self.buttons(body, &p);
            }
            "carousel" if !in_carousel => {
                let kind = body["type"].as_str().unwrap_or_default();
                if ![
                    "basicCard",
                    "commerceCard",
                    "listCard",
                    "itemCard",
                    "textCard",
                ]
                .contains(&kind)
                {
                    self.fail(&format!("{p}.type"), "carousel type must be a card type");
                }
                let max = if kind == "listCard" {
                    CAROUSEL_LIST_CARDS_MAX
                } else {
                    CAROUSEL_MAX
                };
                for (i, item) in self
                    .array(&body["items"], &format!("{p}.items"), 1, max)
                    .iter()
                    .enumerate()
                {
                    self.component(
                        &serde_json::json!({ kind: item }),
                        &format!("{p}.items[{i}]"),
                        true,
                    );
                }
            }
            "commerceCard" => self.buttons(body, &p),
            other => self.fail(path, format!("{other} is not allowed here")),
        }
    }
}

/// Every violation of the documented limits in a SkillResponse (empty: valid).
pub fn validate(response: &Value) -> Vec<Violation> {
    let mut check = Check { out: Vec::new() };
    if response["version"] != "2.0" {
        check.fail("version", "must be \"2.0\"");
    }
    let callback = response["useCallback"] == true;
    let template = &response["template"];
    if template.is_null() {
        if !callback {
            check.fail("template", "required unless useCallback is true");
        }
        return check.out;
    }
    for (i, c) in check
        .array(&template["outputs"], "template.outputs", 1, OUTPUTS_MAX)
        .iter()
        .enumerate()
    {
        check.component(c, &format!("template.outputs[{i}]"), false);
    }
    for (i, q) in check
        .array(
            &template["quickReplies"],
            "template.quickReplies",
            0,
            QUICK_REPLIES_MAX,
        )
        .iter()
        .enumerate()
    {
        let p = format!("template.quickReplies[{i}]");
        check.text(
            &q["label"],
            &format!("{p}.label"),
            QUICK_REPLY_LABEL_MAX,
            true,
        );
        match q["action"].as_str() {
            Some("message") => check.text(
                &q["messageText"],
                &format!("{p}.messageText"),
                SIMPLE_TEXT_MAX,
                true,
            ),
            Some("block") => check.text(&q["blockId"], &format!("{p}.blockId"), usize::MAX, true),
            _ => check.fail(&format!("{p}.action"), "must be message or block"),
        }
    }
    check.contexts(&response["context"]);
    check.out
}

impl Check {
    /// Output contexts: `{values: [{name, lifeSpan >= 0, ttl?, params?: {k: string}}]}`.
    fn contexts(&mut self, context: &Value) {
        if context.is_null() {
            return;
        }
        for (i, v) in self
            .array(&context["values"], "context.values", 0, CONTEXT_VALUES_MAX)
            .iter()
            .enumerate()
        {
            let p = format!("context.values[{i}]");
            match v["name"].as_str() {
                Some(name) if !name.is_empty() => {}
                _ => self.fail(&format!("{p}.name"), "must be a non-empty string"),
            }
            if !v["lifeSpan"].is_u64() {
                self.fail(&format!("{p}.lifeSpan"), "must be a whole number >= 0");
            }
            if !v["ttl"].is_null() && !v["ttl"].is_u64() {
                self.fail(&format!("{p}.ttl"), "must be a whole number of seconds");
            }
            match &v["params"] {
                Value::Null => {}
                Value::Object(params) => {
                    for (k, value) in params {
                        self.text(value, &format!("{p}.params.{k}"), CONTEXT_PARAM_MAX, true);
                    }
                }
                _ => self.fail(&format!("{p}.params"), "must be an object of strings"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rules(v: Value) -> Vec<String> {
        validate(&v).into_iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn accepts_a_valid_response() {
        let v = json!({"version":"2.0","template":{"outputs":[{"simpleText":{"text":"안녕"}},
            {"carousel":{"type":"listCard","items":[{"header":{"title":"1. Keane"},
              "items":[{"title":"Somewhere","link":{"web":"https://open.spotify.com/track/x"}}],
              "buttons":[{"label":"비슷한 아티스트","action":"message","messageText":"Keane"}]}]}}],
            "quickReplies":[{"label":"Muse","action":"message","messageText":"Muse"}]}});
        assert_eq!(rules(v), Vec::<String>::new());
        assert!(rules(json!({"version":"2.0","useCallback":true})).is_empty());
    }

    #[test]
    fn counts_characters_not_bytes() {
        let exactly = "가".repeat(SIMPLE_TEXT_MAX);
        assert!(
            rules(
                json!({"version":"2.0","template":{"outputs":[{"simpleText":{"text":exactly}}]}})
            )
            .is_empty()
        );
        let over = "가".repeat(SIMPLE_TEXT_MAX + 1);
        assert_eq!(
            rules(json!({"version":"2.0","template":{"outputs":[{"simpleText":{"text":over}}]}})),
            vec!["template.outputs[0].simpleText.text: 1001 characters, at most 1000"]
        );
    }

    #[test]
    fn reports_each_broken_limit() {
        let list = |n: usize| json!({"header":{"title":"h"},"items":(0..n).map(|i| json!({"title": i.to_string()})).collect::<Vec<_>>()});
        let v = json!({"version":"1.0","template":{
            "outputs":[{"simpleText":{"text":"a"}},{"simpleText":{"text":"b"}},{"simpleText":{"text":"c"}},{"simpleText":{"text":"d"}}],
            "quickReplies":(0..11).map(|_| json!({"label":"123456789012345","action":"message","messageText":"x"})).collect::<Vec<_>>()}});
        let got = rules(v);
        assert!(got.contains(&"version: must be \"2.0\"".to_string()));
        assert!(got.contains(&"template.outputs: 4 entries, allowed 1..=3".to_string()));
        assert!(got.contains(&"template.quickReplies: 11 entries, allowed 0..=10".to_string()));
        assert!(
            got.contains(&"template.quickReplies[0].label: 15 characters, at most 14".to_string())
        );

        let carousel = json!({"version":"2.0","template":{"outputs":[{"carousel":{"type":"listCard",
            "items":[list(5), list(4), list(4), list(4), list(4), list(4)]}}]}});
        let got = rules(carousel);
        assert!(
            got.contains(
                &"template.outputs[0].carousel.items: 6 entries, allowed 1..=5".to_string()
            ),
            "{got:?}"
        );
        assert!(
            got.contains(
                &"template.outputs[0].carousel.items[0].listCard.items: 5 entries, allowed 1..=4"
                    .to_string()
            ),
            "{got:?}"
        );
        assert!(
            rules(json!({"version":"2.0","template":{"outputs":[{"listCard": list(5)}]}}))
                .is_empty()
        );

        let buttons = json!({"version":"2.0","template":{"outputs":[{"textCard":{"title":"t","buttonLayout":"horizontal",
            "buttons":[{"label":"123456789","action":"message","messageText":"a"},{"label":"b","action":"teleport"}]}}]}});
        let got = rules(buttons);
        assert!(
            got.contains(
                &"template.outputs[0].textCard.buttons[0].label: 9 characters, at most 8"
                    .to_string()
            ),
            "{got:?}"
        );
        assert!(
            got.contains(
                &"template.outputs[0].textCard.buttons[1].action: unknown button action"
                    .to_string()
            ),
            "{got:?}"
        );
        assert!(!rules(json!({"version":"2.0"})).is_empty());
    }
}
