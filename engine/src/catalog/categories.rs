//! The category tree in memory: small (thousands of nodes), read on every listing and
//! rendering, changed rarely. The store is the truth; this is rebuilt from it on open
//! and updated after each commit.

use std::collections::HashMap;

use crate::model::{Category, CategoryId};

/// Every category, with parent and child links.
#[derive(Debug, Default)]
pub(crate) struct CategoryTree {
    nodes: HashMap<CategoryId, Node>,
}

#[derive(Debug)]
struct Node {
    category: Category,
    children: Vec<CategoryId>,
}

/// A category as the API shows it: with its path of names from the root.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CategoryView {
    /// Its id.
    pub id: CategoryId,
    /// Its name, exactly as given.
    pub name: String,
    /// Its parent, `None` at the root.
    pub parent_id: Option<CategoryId>,
    /// The names from the root joined with `/`.
    pub path: String,
}

impl CategoryTree {
    /// Adds a category whose parent (if any) is already present.
    pub(crate) fn insert(&mut self, category: Category) {
        if let Some(parent) = category.parent_id {
            if let Some(node) = self.nodes.get_mut(&parent) {
                if !node.children.contains(&category.id) {
                    node.children.push(category.id);
                }
            }
        }
        self.nodes.entry(category.id).or_insert(Node {
            category,
            children: Vec::new(),
        });
    }

    /// Whether `id` exists.
    pub(crate) fn contains(&self, id: CategoryId) -> bool {
        self.nodes.contains_key(&id)
    }

    /// `id` and every category below it.
    pub(crate) fn descendants(&self, id: CategoryId) -> Vec<CategoryId> {
        let mut found = Vec::new();
        let mut pending = vec![id];
        while let Some(next) = pending.pop() {
            if let Some(node) = self.nodes.get(&next) {
                found.push(next);
                pending.extend(node.children.iter().copied());
            }
        }
        found
    }

    /// The names from the root to `id` joined with `/`.
    pub(crate) fn path(&self, id: CategoryId) -> Option<String> {
        let mut names = Vec::new();
        let mut cursor = Some(id);
        // Categories never move, so the chain is finite; the bound guards a corrupt store.
        while let Some(current) = cursor.filter(|_| names.len() <= crate::model::CATEGORY_DEPTH_MAX)
        {
            let node = self.nodes.get(&current)?;
            names.push(node.category.name.as_str());
            cursor = node.category.parent_id;
        }
        names.reverse();
        Some(names.join("/"))
    }

    /// The view of `id`.
    pub(crate) fn view(&self, id: CategoryId) -> Option<CategoryView> {
        let node = self.nodes.get(&id)?;
        Some(CategoryView {
            id,
            name: node.category.name.clone(),
            parent_id: node.category.parent_id,
            path: self.path(id)?,
        })
    }

    /// Every category, ordered by path.
    pub(crate) fn all(&self) -> Vec<CategoryView> {
        let mut views: Vec<CategoryView> =
            self.nodes.keys().filter_map(|&id| self.view(id)).collect();
        views.sort_by(|a, b| a.path.cmp(&b.path).then(a.id.cmp(&b.id)));
        views
    }
}
