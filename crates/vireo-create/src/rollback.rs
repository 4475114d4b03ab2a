//! The rollback of a failed creation: each step that creates something logs how to undo
//! it, and a failure undoes them newest first.

/// Undo log: every step that created something registers how to remove it.
#[derive(Default)]
pub(crate) struct Rollback {
    steps: Vec<Box<dyn FnOnce()>>,
}

impl Rollback {
    pub(crate) fn push(&mut self, undo: impl FnOnce() + 'static) {
        self.steps.push(Box::new(undo));
    }
    pub(crate) fn run(self) {
        for undo in self.steps.into_iter().rev() {
            undo();
        }
    }
}
