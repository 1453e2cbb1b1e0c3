"""A Playground conversation as a tree: editing a message or regenerating an answer keeps the old path as
a branch beside the new one, and the conversation shown follows the branch picked at each fork.

Each message is a ``Node`` holding its ``ChatTurn``; its parent is the message before it (None: the first).
``chosen`` says, for each parent, which of its children is shown. No Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from council.runs.records import ChatTurn

ROOT = -1  # the parent of a conversation's first messages


@dataclass
class Node:
    id: int
    parent: int  # ROOT for a first message
    turn: ChatTurn


@dataclass
class Conversation:
    nodes: dict[int, Node] = field(default_factory=dict)
    chosen: dict[int, int] = field(default_factory=dict)  # parent id → the child shown

    # ---- reading ------------------------------------------------------------------------------------

    def children(self, parent: int) -> list[int]:
        """A message's answers (or an answer's follow-ups), oldest first: the branches at that fork."""
        return [n.id for n in self.nodes.values() if n.parent == parent]

    def path(self) -> list[Node]:
        """The messages shown, from the first, following the chosen child at each fork."""
        out: list[Node] = []
        parent = ROOT
        while True:
            kids = self.children(parent)
            if not kids:
                return out
            pick = self.chosen.get(parent)
            node = self.nodes[pick if pick in kids else kids[-1]]
            out.append(node)
            parent = node.id

    def turns(self) -> list[ChatTurn]:
        return [n.turn for n in self.path()]

    def last(self) -> int:
        """The last message shown (ROOT when there is none): where a new message goes."""
        shown = self.path()
        return shown[-1].id if shown else ROOT

    def before(self, node_id: int) -> list[ChatTurn]:
        """The conversation up to (not including) a message: what the model sees when asked it again."""
        out: list[ChatTurn] = []
        node = self.nodes[node_id]
        while node.parent != ROOT:
            node = self.nodes[node.parent]
            out.append(node.turn)
        return out[::-1]

    def branch(self, node_id: int) -> tuple[int, int]:
        """(position, count) of a message among its siblings, from 1: "2 / 3"."""
        siblings = self.children(self.nodes[node_id].parent)
        return siblings.index(node_id) + 1, len(siblings)

    def __len__(self) -> int:
        return len(self.nodes)

    # ---- changing -----------------------------------------------------------------------------------

    def add(self, parent: int, turn: ChatTurn) -> int:
        """A new message under ``parent``, shown from now on; returns its id."""
        node_id = max(self.nodes, default=-1) + 1
        self.nodes[node_id] = Node(node_id, parent, turn)
        self.chosen[parent] = node_id
        return node_id

    def edit(self, node_id: int, text: str) -> int:
        """A user message changed: the new wording as a sibling of the old (its attachments kept), shown; the
        old message and everything after it stay as a branch. Returns the new message's id."""
        old = self.nodes[node_id]
        return self.add(old.parent, ChatTurn("user", text, attachments=old.turn.attachments))

    def switch(self, node_id: int, step: int) -> None:
        """Show the sibling ``step`` away (−1: the one before, +1: the one after), and its own branch below."""
        siblings = self.children(self.nodes[node_id].parent)
        i = siblings.index(node_id) + step
        if 0 <= i < len(siblings):
            self.chosen[self.nodes[node_id].parent] = siblings[i]

    def delete(self, node_id: int) -> None:
        """A message gone, with everything that followed it; the fork shows a neighbouring branch if one is left."""
        parent = self.nodes[node_id].parent
        siblings = self.children(parent)
        gone = self._subtree(node_id)
        for i in gone:
            del self.nodes[i]
            self.chosen.pop(i, None)
        left = [s for s in siblings if s not in gone]
        if left:
            self.chosen[parent] = left[min(siblings.index(node_id), len(left) - 1)]
        else:
            self.chosen.pop(parent, None)

    def _subtree(self, node_id: int) -> set[int]:
        out, todo = set(), [node_id]
        while todo:
            i = todo.pop()
            out.add(i)
            todo += self.children(i)
        return out

    # ---- saved --------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"id": n.id, "parent": n.parent, **n.turn.to_dict()} for n in self.nodes.values()],
            "chosen": {str(k): v for k, v in self.chosen.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], read: Callable[[str], bytes | None] | None = None) -> Conversation:
        """A saved tree back (a node whose parent is missing is left out, with what followed it)."""
        tree = cls()
        rows = [r for r in data.get("nodes") or [] if isinstance(r, dict) and isinstance(r.get("id"), int)]
        ids = {r["id"] for r in rows}
        for r in rows:
            parent = r.get("parent") if isinstance(r.get("parent"), int) else ROOT
            if parent == ROOT or parent in ids:
                tree.nodes[r["id"]] = Node(r["id"], parent, ChatTurn.from_dict(r, read=read))
        reachable = tree._subtree_all()
        tree.nodes = {i: n for i, n in tree.nodes.items() if i in reachable}
        for k, v in (data.get("chosen") or {}).items():
            if str(k).lstrip("-").isdigit() and v in tree.nodes:
                tree.chosen[int(k)] = v
        return tree

    def _subtree_all(self) -> set[int]:
        out: set[int] = set()
        for first in self.children(ROOT):
            out |= self._subtree(first)
        return out

    @classmethod
    def linear(cls, turns: list[ChatTurn]) -> Conversation:
        """A conversation with no branches (one saved before branches, or a list of turns)."""
        tree = cls()
        parent = ROOT
        for turn in turns:
            parent = tree.add(parent, turn)
        return tree
