"""Reads a soundalike lake with DuckDB (hive_partitioning) and prints what it sees as JSON.

    python3 duckdb_read.py LAKE_URL ARTIST_ID

LAKE_URL is a folder or s3://bucket/prefix. For S3 the httpfs extension comes from the
`duckdb-extension-httpfs` wheel (no download at run time) and the server from
SOUNDALIKE_TEST_S3_ENDPOINT / _ACCESS_KEY_ID / _SECRET_ACCESS_KEY.
"""
import json
import os
import pathlib
import sys

import duckdb

root, artist_id = sys.argv[1].rstrip("/"), sys.argv[2]
con = duckdb.connect()
if root.startswith("s3://"):
    import duckdb_extension_httpfs

    folder = pathlib.Path(duckdb_extension_httpfs.__file__).parent
    extension = next(folder.glob(f"extensions/v{duckdb.__version__}/httpfs.duckdb_extension"))
    con.execute(f"LOAD '{extension}'")
    endpoint = os.environ["SOUNDALIKE_TEST_S3_ENDPOINT"]
    con.execute(
        "CREATE SECRET lake (TYPE s3, KEY_ID '{}', SECRET '{}', ENDPOINT '{}', URL_STYLE 'path', "
        "USE_SSL {}, REGION 'us-east-1')".format(
            os.environ["SOUNDALIKE_TEST_S3_ACCESS_KEY_ID"],
            os.environ["SOUNDALIKE_TEST_S3_SECRET_ACCESS_KEY"],
            endpoint.split("://", 1)[1],
            "true" if endpoint.startswith("https") else "false",
        )
    )


def table(name):
    return f"read_parquet('{root}/{name}/*/*.parquet', hive_partitioning = true)"


out = {"duckdb": duckdb.__version__}
for name in ["artists", "tracks", "audio_features", "playlist_tracks"]:
    rows, days = con.execute(
        f"SELECT count(*), list(DISTINCT dt::VARCHAR ORDER BY dt::VARCHAR) FROM {table(name)}"
    ).fetchone()
    out[name] = {"rows": rows, "days": days}
out["artist_name"] = con.execute(
    f"SELECT name FROM {table('artists')} WHERE artist_id = ?", [artist_id]
).fetchone()[0]
out["popularity_sum"] = con.execute(f"SELECT sum(popularity) FROM {table('tracks')}").fetchone()[0]
out["danceability_avg"] = con.execute(
    f"SELECT avg(danceability) FROM {table('audio_features')}"
).fetchone()[0]
print(json.dumps(out))
