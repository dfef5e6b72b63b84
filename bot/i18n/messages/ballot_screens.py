"""The voter's ballot on a phone (one line per candidate, «agree to all», pages) and the chair's
draft (named rule options, its title and candidates typed)."""

from __future__ import annotations

VI: dict[str, str] = {
    "vote.agree_all": "👍 Đồng ý tất cả",
    "vote.page": "Trang {page}/{pages}",
    "vote.tap_hint": "Bấm vào một ứng viên để đổi ý kiến: đồng ý → không đồng ý → không ý kiến → để trống.",
    "vote.typed_page": "(Trang {page}/{pages}; phiếu có {size} ứng viên, trả lời theo số thứ tự của cả phiếu.)",
    "vote.next_page": "Trang sau ›",
    "vote.review_rest": "Các ứng viên còn lại ({count}): <b>{answer}</b>",
    "vote.previous_page": "‹ Trang trước",
    "draft.threshold": "≥ {percent} {base}",
    "draft.count": "Trên phiếu: {on}/{total} ứng viên (tối đa {max}).",
    "draft.btn.title": "✏️ Sửa tên phiếu",
    "draft.btn.list": "📝 Sửa danh sách",
    "draft.btn.threshold": "Đạt khi: {rule} ▾",
    "draft.btn.secret": "{value} ▾",
    "draft.btn.deadline": "⏱ Hạn: {value} ▾",
    "draft.secret": "🔒 Bỏ phiếu kín",
    "draft.named": "📢 Bỏ phiếu công khai",
    "draft.back": "‹ Quay lại phiếu nháp",
    "draft.choose.thr": "<b>{title}</b>\nỨng viên đạt khi số phiếu đồng ý:",
    "draft.choose.sec": "<b>{title}</b>\nHình thức bỏ phiếu:",
    "draft.choose.dl": "<b>{title}</b>\nPhiếu mở trong bao lâu:",
    "draft.ask_title": "Tên phiếu hiện tại: <b>{title}</b>\nGõ tên mới (tối đa {max} ký tự), hoặc /huy để thôi.",
    "draft.ask_list": (
        "Ứng viên hiện có trên phiếu:\n{current}\n\n"
        "Gửi danh sách mới, mỗi dòng một ứng viên, theo thứ tự trên phiếu (tối đa {max}). "
        "Tên trùng tên một đơn vị trong khối là đơn vị đó. /huy để thôi."
    ),
    "draft.title_saved": "✅ Đã đổi tên phiếu: <b>{title}</b>",
    "draft.list_saved": (
        "✅ Đã lưu danh sách: {count} ứng viên trên phiếu. Nếu danh sách dài bị chia thành nhiều tin, "
        "gửi tiếp phần còn lại; xong thì bấm «Xong»."
    ),
    "draft.list_unchanged": "Danh sách chưa thay đổi; gửi lại danh sách hoặc /huy.",
    "draft.btn.done": "✅ Xong",
    "ballot.refused.title_empty": "Tên phiếu không được để trống; chưa đổi gì.",
    "ballot.refused.title_too_long": "Tên phiếu dài {length} ký tự, tối đa {max}; chưa đổi gì. Gõ tên ngắn hơn.",
    "ballot.refused.too_many_candidates": "Phiếu có {count} ứng viên, tối đa {max}; chưa đổi gì.",
    "ballot.refused.candidate_too_long": "Tên ứng viên «{name}» dài quá {max} ký tự.",
    "ballot.refused.candidate_twice": "Ứng viên «{name}» có hai lần trong danh sách.",
}

EN: dict[str, str] = {
    "vote.agree_all": "👍 Agree to all",
    "vote.page": "Page {page}/{pages}",
    "vote.tap_hint": "Tap a candidate to change the answer: agree → disagree → abstain → blank.",
    "vote.typed_page": "(Page {page}/{pages}; the ballot has {size} candidates, answer with the whole ballot's numbers.)",
    "vote.next_page": "Next page ›",
    "vote.review_rest": "All the other candidates ({count}): <b>{answer}</b>",
    "vote.previous_page": "‹ Previous page",
    "draft.threshold": "≥ {percent} {base}",
    "draft.count": "On the ballot: {on}/{total} candidates (at most {max}).",
    "draft.btn.title": "✏️ Edit the title",
    "draft.btn.list": "📝 Edit the list",
    "draft.btn.threshold": "Passes with: {rule} ▾",
    "draft.btn.secret": "{value} ▾",
    "draft.btn.deadline": "⏱ Deadline: {value} ▾",
    "draft.secret": "🔒 Secret ballot",
    "draft.named": "📢 Named (open) vote",
    "draft.back": "‹ Back to the draft",
    "draft.choose.thr": "<b>{title}</b>\nA candidate passes with agree votes:",
    "draft.choose.sec": "<b>{title}</b>\nHow the vote is cast:",
    "draft.choose.dl": "<b>{title}</b>\nHow long the ballot stays open:",
    "draft.ask_title": "The title now: <b>{title}</b>\nType the new title (at most {max} characters), or /cancel.",
    "draft.ask_list": (
        "On the ballot now:\n{current}\n\n"
        "Send the new list, one candidate a line, in ballot order (at most {max}). "
        "A name that is a member unit's stands for that unit. /cancel to stop."
    ),
    "draft.title_saved": "✅ Title changed: <b>{title}</b>",
    "draft.list_saved": (
        "✅ List saved: {count} candidates on the ballot. If a long list was split into several "
        "messages, send the rest; then tap «Done»."
    ),
    "draft.list_unchanged": "The list is unchanged; send it again, or /cancel.",
    "draft.btn.done": "✅ Done",
    "ballot.refused.title_empty": "The title cannot be empty; nothing changed.",
    "ballot.refused.title_too_long": "The title is {length} characters, at most {max}; nothing changed. Type a shorter one.",
    "ballot.refused.too_many_candidates": "{count} candidates, at most {max}; nothing changed.",
    "ballot.refused.candidate_too_long": "The candidate «{name}» is longer than {max} characters.",
    "ballot.refused.candidate_twice": "The candidate «{name}» is in the list twice.",
}
