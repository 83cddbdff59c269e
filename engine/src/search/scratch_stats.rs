#[test]
#[ignore]
fn term_stats() {
    use std::time::Instant;
    let dir = std::env::var("IDX").unwrap();
    let index = tantivy::Index::open_in_dir(&dir).unwrap();
    index
        .tokenizers()
        .register(super::index::ANALYZER_NAME, super::index::analyzer());
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    let schema = index.schema();
    for name in ["name", "brand", "description", "name_exact"] {
        let field = schema.get_field(name).unwrap();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(field).unwrap();
            let terms = inv.terms();
            let mut stream = terms.stream().unwrap();
            let mut n = 0u64;
            let mut alpha = 0u64;
            let mut bytes = 0u64;
            while stream.advance() {
                n += 1;
                bytes += stream.key().len() as u64;
                if stream.key().iter().all(|b| b.is_ascii_alphabetic()) {
                    alpha += 1;
                }
            }
            println!(
                "{name:12} seg {:>7} docs: {n:>8} terms ({alpha} alphabetic, {bytes} bytes)",
                seg.max_doc()
            );
        }
    }
    let words = [
        "headphones",
        "studio",
        "monitor",
        "pillow",
        "stainless",
        "paring",
        "weatherproof",
        "compact",
    ];
    for w in words {
        for (typos, prefix) in [(1u8, false), (2, false), (1, true), (0, true)] {
            let q = if prefix {
                tantivy::query::FuzzyTermQuery::new_prefix(
                    tantivy::Term::from_field_text(schema.get_field("name").unwrap(), w),
                    typos,
                    true,
                )
            } else {
                tantivy::query::FuzzyTermQuery::new(
                    tantivy::Term::from_field_text(schema.get_field("name").unwrap(), w),
                    typos,
                    true,
                )
            };
            let t0 = Instant::now();
            let dfa = q.automaton().unwrap();
            let built = t0.elapsed();
            for name in ["name", "brand", "description"] {
                let field = schema.get_field(name).unwrap();
                let t = Instant::now();
                let mut matched = 0;
                let mut df = 0u64;
                for seg in searcher.segment_readers() {
                    let inv = seg.inverted_index(field).unwrap();
                    let mut s = inv.terms().search(&dfa).into_stream().unwrap();
                    while s.advance() {
                        matched += 1;
                        df += s.value().doc_freq as u64;
                    }
                }
                println!(
                    "{w:14} typos {typos} prefix {prefix:5} dfa {built:?} {name:12}: {matched:5} terms {df:8} postings in {:?}",
                    t.elapsed()
                );
            }
        }
    }
}
