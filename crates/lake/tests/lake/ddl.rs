//! `lake ddl` against the Parquet files the lake actually writes: every table's column list,
//! order and types in the Athena, Spark and Trino DDL must match each file's Parquet schema.

use parquet::basic::{LogicalType, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use soundalike_lake::ddl::{Engine, ddl};
use soundalike_lake::{LIVE_TABLES, Lake, Partition, TABLES};

/// `(table, [(column, type)])` from the DDL text, in order, partition columns excluded.
fn parse_ddl(text: &str, engine: Engine) -> Vec<(String, Vec<(String, String)>)> {
    let mut tables = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(head) = line.strip_suffix(" (").filter(|l| l.starts_with("CREATE ")) else {
            continue;
        };
        if head.starts_with("CREATE DATABASE") {
            continue;
        }
        let name = head
            .rsplit('.')
            .next()
            .unwrap()
            .trim_matches(['`', '"'])
            .to_string();
        let mut columns = Vec::new();
        for column in lines.by_ref() {
            if column == ")" {
                break;
            }
            let (col, kind) = column.trim().trim_end_matches(',').split_once(' ').unwrap();
            columns.push((col.trim_matches(['`', '"']).to_string(), kind.to_string()));
        }
        if engine == Engine::Trino {
            // Trino lists the partition column last, in the column list.
            assert_eq!(columns.pop(), Some(("dt".into(), "varchar".into())));
        }
        tables.push((name, columns));
    }
    tables
}

/// A lake holding the bundled catalog written for one day, to compare DDL with real files.
pub(crate) struct WrittenLake {
    _dir: tempfile::TempDir,
    lake: Lake,
    day: Partition,
}

impl WrittenLake {
    pub(crate) async fn bundled() -> WrittenLake {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let day = Partition::parse("2026-01-02").unwrap();
        let catalog = soundalike_sources::dataset::import_bundled()
            .unwrap()
            .catalog;
        lake.write_catalog(day, &catalog).await.unwrap();
        WrittenLake {
            _dir: dir,
            lake,
            day,
        }
    }

    /// A table's columns as its written Parquet file has them, typed for an engine family.
    pub(crate) async fn columns(&self, table: &str, trino: bool) -> Vec<(String, String)> {
        let file = &self.lake.committed_files(table, self.day).await.unwrap()[0];
        assert!(file.key.starts_with(&format!("{table}/dt=2026-01-02/")));
        let bytes = self.lake.storage().get(&file.key).await.unwrap().unwrap();
        let reader = SerializedFileReader::new(bytes).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        schema
            .columns()
            .iter()
            .map(|c| {
                let kind = expected_type(c.physical_type(), c.logical_type_ref(), trino);
                (c.name().to_string(), kind.to_string())
            })
            .collect()
    }
}

/// The DDL type a Parquet column needs, per engine family.
pub(crate) fn expected_type(
    physical: Physical,
    logical: Option<&LogicalType>,
    trino: bool,
) -> &'static str {
    let signed_int = |bits: i8| match logical {
        None => true,
        Some(LogicalType::Integer(int)) => int.bit_width == bits && int.is_signed,
        Some(_) => false,
    };
    match (physical, trino) {
        (Physical::BYTE_ARRAY, _) if logical != Some(&LogicalType::String) => {
            panic!("a byte array that is not a string: {logical:?}")
        }
        (Physical::BYTE_ARRAY, false) => "string",
        (Physical::BYTE_ARRAY, true) => "varchar",
        (Physical::INT32, false) if signed_int(32) => "int",
        (Physical::INT32, true) if signed_int(32) => "integer",
        (Physical::INT64, _) if signed_int(64) => "bigint",
        (Physical::FLOAT, false) if logical.is_none() => "float",
        (Physical::FLOAT, true) if logical.is_none() => "real",
        (Physical::DOUBLE, _) if logical.is_none() => "double",
        other => panic!("a Parquet column type the DDL test does not know: {other:?} {logical:?}"),
    }
}

#[tokio::test]
async fn ddl_matches_the_parquet_schema_of_written_files() {
    let lake = WrittenLake::bundled().await;
    for engine in [Engine::Athena, Engine::Spark, Engine::Trino] {
        let text = ddl(engine, "s3://bucket/lake", "soundalike");
        let tables = parse_ddl(&text, engine);
        let names: Vec<&str> = tables.iter().map(|(t, _)| t.as_str()).collect();
        let every_table: Vec<&str> = TABLES.iter().chain(&LIVE_TABLES).copied().collect();
        assert_eq!(names, every_table, "{engine:?}");
        for (table, columns) in tables {
            let from_file = lake.columns(&table, engine == Engine::Trino).await;
            assert_eq!(columns, from_file, "{engine:?} {table}");
            if engine != Engine::Trino {
                assert!(text.contains(&format!("LOCATION 's3://bucket/lake/{table}/'")));
            }
        }
        if engine == Engine::Athena {
            assert_eq!(
                text.matches("PARTITIONED BY (`dt` string)").count(),
                TABLES.len() + LIVE_TABLES.len()
            );
        }
    }
}
