"""Running turns: reaching providers, the retry layer, one chat turn, Compare's fan-out, the council's
three stages, task routing, the setup checklist's live checks, and code snippets of a request."""
