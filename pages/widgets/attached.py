"""Attachments on screen: thumbnails and names beside the prompt and in the conversation, what the chosen
model will make of them (said before anything is sent), and keeping them with the run in History."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from adapters import Attachment
from council import library
from council.facts import capabilities
from council.runs import attachments
from pages.widgets.session import person_id, redraw, widget_key, widget_value

EYE = "\U0001f441"


def attachments_row(items: Sequence[Attachment], *, key: str) -> None:
    """Each attachment in place: an image as a thumbnail, a document by name, pages and size."""
    if not items:
        return
    with st.container(horizontal=True, gap="small", key=key):
        for a in items:
            if a.kind == "image" and a.data:
                st.image(a.data, width=120, caption=f"{a.name} ({a.width}\u00d7{a.height})", alt=f"The attached image {a.name}")
            elif a.kind == "image":
                st.caption(f"\U0001f5bc {a.name} (no longer kept)")
            else:
                pages = f" \u00b7 {a.pages} page{'s' if a.pages != 1 else ''}" if a.pages else ""
                st.caption(
                    f"\U0001f4c4 {a.name}{pages} \u00b7 about {attachments.estimated_tokens(attachments.as_text(a)):,} tokens as text"
                )


def _model(choice: Any) -> str:
    """The model id of a picker's choice, a Compare slot or a council seat."""
    return choice.model_id if hasattr(choice, "model_id") else choice.model


def attachment_problems(choice: Any, items: Sequence[Attachment]) -> list[str]:
    """What stops the run before anything is sent: an image for a model known to read text only."""
    images = sum(1 for a in items if a.kind == "image")
    if not images or capabilities.reads(choice.provider, _model(choice)).images is not False:
        return []
    return [f"{_model(choice)} reads text only \u2014 pick a model marked {EYE}, or remove the {'image' if images == 1 else 'images'}."]


def attachment_notice(choice: Any, items: Sequence[Attachment]) -> None:
    """How the chosen model will read what is attached, before Run."""
    if not items:
        return
    model = _model(choice)
    can = capabilities.reads(choice.provider, model)
    for problem in attachment_problems(choice, items):  # said now, before Run (Run then sends nothing)
        st.warning(problem, icon=":material/visibility_off:")
    images = [a for a in items if a.kind == "image"]
    if images:
        if can.images:
            tokens = sum(attachments.estimated_tokens(a, choice.provider) for a in images)
            st.caption(
                f"{EYE} {model} reads images ({can.source}): about {tokens:,} tokens for "
                f"{'the image' if len(images) == 1 else f'the {len(images)} images'} (est., {attachments.rule_words(choice.provider)})."
            )
        elif can.images is None:
            st.caption(f"Nothing says whether {model} reads images: it will be sent, and the app learns from the answer.")
    for a in items:
        if a.kind == "pdf" and not can.pdf:
            st.caption(
                f"{a.name} goes to {model} as its text ({a.pages} page{'s' if a.pages != 1 else ''}, about "
                f"{attachments.estimated_tokens(attachments.as_text(a)):,} tokens): the model does not read PDFs as files."
            )


def _attach(prefix: str) -> None:
    """The files in the uploader and those pasted, made ready (EXIF gone, downscaled, checked) the moment they
    are added; a bad one is named and left out. They stay attached until an answer arrives (a failure keeps them
    for the retry)."""
    ready, problems = list(st.session_state.get(f"{prefix}_pasted") or []), []
    for upload in widget_value(f"{prefix}_files") or []:
        try:
            ready.append(attachments.prepare(upload.getvalue(), upload.name))
        except attachments.AttachmentError as exc:
            problems.append(str(exc))
    if len(ready) > attachments.MAX_FILES:
        problems.append(f"{len(ready)} files are attached; at most {attachments.MAX_FILES} go with one message. Remove some.")
        ready = ready[: attachments.MAX_FILES]
    st.session_state[f"{prefix}_attached"] = ready
    st.session_state[f"{prefix}_attach_problems"] = problems


def _paste(prefix: str) -> None:
    """Files pasted into the paste box (a screenshot from the clipboard) join the attached ones; a pasted
    screenshot the browser names ``image.png`` is named by its turn (``pasted-2.png``)."""
    value = st.session_state.get(f"{prefix}_paste")
    pasted = list(st.session_state.get(f"{prefix}_pasted") or [])
    problems = []
    for upload in getattr(value, "files", None) or []:
        name = upload.name if upload.name.lower() not in ("image.png", "image.jpeg", "image.jpg") else ""
        name = name or f"pasted-{len(pasted) + 1}.{upload.name.rsplit('.', 1)[-1].lower()}"
        try:
            pasted.append(attachments.prepare(upload.getvalue(), name))
        except attachments.AttachmentError as exc:
            problems.append(str(exc))
    if getattr(value, "text", "").strip() and not getattr(value, "files", None):
        problems.append("The paste box takes files (a screenshot, an image, a document): type your question in the message box.")
    st.session_state[f"{prefix}_pasted"] = pasted
    _attach(prefix)
    st.session_state[f"{prefix}_attach_problems"] = problems + st.session_state.get(f"{prefix}_attach_problems", [])


def detach(prefix: str) -> None:
    """Nothing attached any more (after an answer, or the person's Remove)."""
    st.session_state.pop(f"{prefix}_attached", None)
    st.session_state.pop(f"{prefix}_pasted", None)
    st.session_state.pop(f"{prefix}_attach_problems", None)
    redraw(f"{prefix}_files")


def attached(prefix: str) -> tuple[Attachment, ...]:
    return tuple(st.session_state.get(f"{prefix}_attached") or [])


def attach_box(prefix: str, choices: Sequence[Any], *, what: str = "") -> tuple[Attachment, ...]:
    """The uploader (drag and drop, or browse), the thumbnails and names, a bad file named, and how each chosen
    model will read what is attached — said before Run. Returns what is attached."""
    items = attached(prefix)
    title = "Attach images or documents" + (f" ({len(items)})" if items else "")
    with st.expander(title, expanded=bool(items)):
        st.file_uploader(
            "Images (PNG, JPEG, WebP, GIF), PDFs, Word documents or text files" + what,
            type=list(attachments.ACCEPTED),
            accept_multiple_files=True,
            key=widget_key(f"{prefix}_files"),
            on_change=_attach,
            args=(prefix,),
            help="Drag files here or browse. Images are sent re-encoded without their EXIF (a photo's GPS position never "
            "leaves this computer) and no larger than 1568 px; a PDF goes as a file to a model that reads PDFs, as its "
            "text otherwise. Remove a file with its \u00d7 before Run.",
        )
        st.chat_input(
            "Or paste a screenshot here (Ctrl+V), then press Enter",
            key=f"{prefix}_paste",
            accept_file="multiple",
            file_type=list(attachments.ACCEPTED),
            on_submit=_paste,
            args=(prefix,),
        )
        attachments_row(items, key=f"{prefix}_attached_now")
        if items:
            st.button("Remove the attachments", key=f"btn_{prefix}_detach", on_click=detach, args=(prefix,), icon=":material/close:")
        for problem in st.session_state.get(f"{prefix}_attach_problems") or []:
            st.warning(problem, icon=":material/attach_file:")
        for choice in dict.fromkeys((c.provider, _model(c)) for c in choices):  # each model once
            attachment_notice(_Seat(*choice), items)
    return items


@dataclass(frozen=True)
class _Seat:
    provider: str
    model: str


def keep_files(items: Sequence[Attachment]) -> None:
    """Keep a run's files once each, by content hash, as this person's (a store that cannot be written is said)."""
    try:
        for a in items:
            if a.data:
                library.keep_file(attachments.digest(a.data), a.data, person=person_id())
    except library.StorageError as exc:
        st.toast(f"The attached files were not saved with the conversation. {exc}", icon=":material/warning:")


def embed_toggle(prefix: str) -> bool:
    """Whether the JSON export carries the attached files themselves (base64), not only their names and hashes."""
    return bool(
        st.toggle(
            "Put the attached files inside the JSON",
            key=f"{prefix}_embed_files",
            help="Off: the JSON names each file and its content hash (the files stay in this app). On: it carries each "
            "file too, so the export stands alone \u2014 about a third larger than the files themselves.",
        )
    )


def reattach(items: Sequence[Attachment]) -> list[Attachment]:
    """A reopened run's files, attached again to ask again: those still kept as they were, a PDF no longer kept
    as the text the record holds; an image no longer kept is left out (its name still shows in the run)."""
    return [a if a.data or a.kind != "pdf" else attachments.as_text(a) for a in items if a.data or a.text]


def read_file(sha256: str) -> bytes | None:
    """A file this person kept (None: not theirs, gone, or the store cannot be read)."""
    try:
        return library.read_file(sha256, person=person_id())
    except library.StorageError:
        return None
