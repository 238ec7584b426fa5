// `sqlx::migrate!` embeds the migrations when the crate compiles: rebuild
// it whenever a migration is added or changed, not only when code is.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
