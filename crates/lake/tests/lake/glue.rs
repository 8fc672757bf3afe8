//! The Glue tables of `deploy/aws/template.yaml` against the lake: the template holds
//! `ddl::glue_resources` verbatim (so a schema change fails here until the template is
//! regenerated), and that text's tables, columns, types and `dt` partition match the Parquet
//! files the lake writes.

use soundalike_lake::ddl::{glue_logical_id, glue_resources};
use soundalike_lake::{LIVE_TABLES, TABLES};

use crate::ddl::WrittenLake;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../deploy/aws/template.yaml"
);
const BEGIN: &str = "  # BEGIN generated Glue tables";
const END: &str = "  # END generated Glue tables";
/// What the template names the Glue database resource and the lake root.
const DATABASE: &str = "LakeDatabase";
const LOCATION: &str = "s3://${LakeBucket}/lake";

/// The resources between the markers, without the marker comments.
fn generated_block(template: &str) -> String {
    let start = template
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{TEMPLATE} has no line {BEGIN:?}"));
    let end = template
        .find(END)
        .unwrap_or_else(|| panic!("{TEMPLATE} has no line {END:?}"));
    assert!(start < end, "{TEMPLATE}: {END:?} before {BEGIN:?}");
    template[start..end]
        .lines()
        .skip_while(|line| line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_template_holds_the_generated_glue_tables() {
    let template = std::fs::read_to_string(TEMPLATE).unwrap();
    let expected = glue_resources(DATABASE, LOCATION);
    let found = generated_block(&template);
    if found != expected {
        let line = found
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "lengths differ".to_string(),
                |i| format!("first difference at block line {}", i + 1),
            );
        panic!(
            "{TEMPLATE}: the Glue tables differ from the lake's schemas ({line}). Replace the \
             lines between {BEGIN:?} (and its comment) and {END:?} with:\n{expected}"
        );
    }
    // The database the tables name is the template's.
    assert!(template.contains(&format!("  {DATABASE}:\n    Type: AWS::Glue::Database\n")));
}

/// `(logical id, table, location, partition keys, [(column, type)])` per resource.
type GlueTable = (
    String,
    String,
    String,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// The tables of `glue_resources` text, by its fixed layout.
fn parse_glue(text: &str) -> Vec<GlueTable> {
    let mut tables: Vec<GlueTable> = Vec::new();
    let mut list = "";
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        let line = line.trim();
        if indent == 2 {
            let id = line.strip_suffix(':').unwrap().to_string();
            tables.push((id, String::new(), String::new(), Vec::new(), Vec::new()));
            continue;
        }
        let table = tables.last_mut().expect("a resource first");
        match (indent, line) {
            (8, "PartitionKeys:") => list = "partitions",
            (10, "Columns:") => list = "columns",
            (8, _) | (10, _) if !line.starts_with("- ") => {
                list = "";
                if let Some(name) = line.strip_prefix("Name: ").filter(|_| indent == 8) {
                    table.1 = name.to_string();
                }
                if let Some(location) = line.strip_prefix("Location: !Sub ") {
                    table.2 = location.trim_matches('"').to_string();
                }
            }
            _ => {}
        }
        if let Some(name) = line.strip_prefix("- Name: ") {
            let kind = lines.next().unwrap().trim().strip_prefix("Type: ").unwrap();
            let entry = (name.to_string(), kind.to_string());
            match list {
                "partitions" => table.3.push(entry),
                "columns" => table.4.push(entry),
                other => panic!("a list item outside a known list: {other:?} {line}"),
            }
        }
    }
    tables
}

#[tokio::test]
async fn glue_tables_match_the_parquet_schema_of_written_files() {
    let lake = WrittenLake::bundled().await;
    let tables = parse_glue(&glue_resources(DATABASE, LOCATION));
    let names: Vec<&str> = tables.iter().map(|t| t.1.as_str()).collect();
    let every_table: Vec<&str> = TABLES.iter().chain(&LIVE_TABLES).copied().collect();
    assert_eq!(names, every_table);
    for (id, table, location, partitions, columns) in tables {
        assert_eq!(id, glue_logical_id(&table));
        assert_eq!(location, format!("{LOCATION}/{table}/"));
        assert_eq!(partitions, [("dt".to_string(), "string".to_string())]);
        let from_file = lake.columns(&table, false).await;
        assert_eq!(columns, from_file, "{table}");
    }
}

#[test]
fn logical_ids_are_camel_case_and_distinct() {
    assert_eq!(glue_logical_id("artist_genres"), "LakeArtistGenresTable");
    let ids: std::collections::BTreeSet<String> = TABLES
        .iter()
        .chain(&LIVE_TABLES)
        .map(|t| glue_logical_id(t))
        .collect();
    assert_eq!(ids.len(), TABLES.len() + LIVE_TABLES.len());
    assert!(
        ids.iter()
            .all(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
    );
}
