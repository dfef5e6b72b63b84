"""The meeting as the minutes describe it: place, chair, secretary, counting committee (issue 13)."""

VI: dict[str, str] = {
    "cmd.thanhphan": "Địa điểm, chủ trì, thư ký, ban kiểm phiếu cho biên bản họp",
    "meeting.btn.details": "📝 Thành phần, địa điểm",
    "details.pick": "Đặt thành phần, địa điểm cho biên bản của cuộc họp nào?",
    "details.none": "Khối chưa có cuộc họp nào trong năm học này. Tạo cuộc họp bằng /hop.",
    "details.card": (
        "📝 <b>Biên bản: {kind}</b> ({when})\n"
        "📍 Địa điểm: {place}\n"
        "👤 Chủ trì: {chair}\n"
        "✍ Thư ký: {secretary}\n"
        "🧾 Ban kiểm phiếu: {committee}"
    ),
    "details.unset": "<i>chưa đặt</i>",
    "details.hint": "Biên bản in đúng như trên. Bấm mục cần sửa; mục nào đúng rồi thì giữ nguyên.",
    "details.committee_needed": (
        "⚠ Phiếu kín do Ban kiểm phiếu kiểm: cần đặt Ban kiểm phiếu trước khi mở phiếu kín."
    ),
    "details.btn.place": "📍 Địa điểm",
    "details.btn.chair": "👤 Chủ trì",
    "details.btn.secretary": "✍ Thư ký",
    "details.btn.committee": "🧾 Ban kiểm phiếu",
    "details.btn.clear": "🗑 Xoá ban kiểm phiếu",
    "details.btn.done": "✅ Xong",
    "details.btn.card": "↩ Thẻ cuộc họp",
    "details.btn.back": "↩ Quay lại",
    "details.ask_place": "📍 Địa điểm họp? Gõ tên (tối đa {limit} ký tự).\nHiện tại: {current}",
    "details.ask_officer.chair": (
        "👤 Ai chủ trì cuộc họp? Chọn một người bên dưới, hoặc gõ họ và tên (tối đa {limit} ký tự).\n"
        "Hiện tại: {current}"
    ),
    "details.ask_officer.secretary": (
        "✍ Ai làm thư ký cuộc họp? Chọn một người bên dưới, hoặc gõ họ và tên (tối đa {limit} ký tự).\n"
        "Hiện tại: {current}"
    ),
    "details.ask_committee": (
        "🧾 Ban kiểm phiếu: gõ họ và tên, mỗi người một dòng (người đầu tiên là Trưởng ban; tối đa "
        "{max} người, mỗi tên tối đa {limit} ký tự), hoặc chọn bên dưới để thêm từng người.\n"
        "Hiện tại: {current}"
    ),
    "details.saved": "✅ Đã lưu.",
    "details.done": "✅ Biên bản sẽ in như trên. Xuất biên bản bằng /xuat.",
    "details.text_expected": "Xin gõ chữ (một tin nhắn văn bản), hoặc gõ /huy để thôi.",
    "details.cancelled": "Đã thôi; không thay đổi gì thêm.",
    "details.refused.name_empty": "Tên trống hoặc quá ngắn; chưa lưu gì.",
    "details.refused.name_long": "Tên dài {length} ký tự, tối đa {limit}; chưa lưu gì.",
    "details.refused.name_chars": "Tên có ký tự điều khiển hoặc ký tự ẩn; gõ lại bằng chữ thường. Chưa lưu gì.",
    "details.refused.place_empty": "Địa điểm trống hoặc quá ngắn; chưa lưu gì.",
    "details.refused.place_long": "Địa điểm dài {length} ký tự, tối đa {limit}; chưa lưu gì.",
    "details.refused.place_chars": "Địa điểm có ký tự điều khiển hoặc ký tự ẩn; chưa lưu gì.",
    "details.refused.committee_empty": "Chưa có tên nào; gõ mỗi người một dòng. Chưa lưu gì.",
    "details.refused.committee_many": "Ban kiểm phiếu tối đa {limit} người; chưa lưu gì.",
    "details.refused.committee_twice": "Có người được ghi hai lần; chưa lưu gì.",
    "details.refused.not_in_bloc": "Người này không thuộc khối; chưa lưu gì.",
    "ballot.refused.no_counting_committee": (
        "Chưa mở được phiếu kín: cuộc họp chưa có Ban kiểm phiếu. Đặt ở «📝 Thành phần, địa điểm» "
        "trên thẻ cuộc họp (hoặc /thanhphan) rồi mở lại."
    ),
}

EN: dict[str, str] = {
    "cmd.thanhphan": "The meeting's place, chair, secretary and counting committee for the minutes",
    "meeting.btn.details": "📝 Place and officers",
    "details.pick": "Set the place and officers for the minutes of which meeting?",
    "details.none": "The bloc has no meeting this school year. Create one with /hop.",
    "details.card": (
        "📝 <b>Minutes: {kind}</b> ({when})\n"
        "📍 Place: {place}\n"
        "👤 Chair: {chair}\n"
        "✍ Secretary: {secretary}\n"
        "🧾 Counting committee: {committee}"
    ),
    "details.unset": "<i>not set</i>",
    "details.hint": "The minutes print exactly this. Press what needs changing; leave what is right.",
    "details.committee_needed": (
        "⚠ Secret ballots are counted by the counting committee: set it before opening a secret ballot."
    ),
    "details.btn.place": "📍 Place",
    "details.btn.chair": "👤 Chair",
    "details.btn.secretary": "✍ Secretary",
    "details.btn.committee": "🧾 Counting committee",
    "details.btn.clear": "🗑 Clear the committee",
    "details.btn.done": "✅ Done",
    "details.btn.card": "↩ Meeting card",
    "details.btn.back": "↩ Back",
    "details.ask_place": "📍 Where is the meeting held? Type it (at most {limit} characters).\nNow: {current}",
    "details.ask_officer.chair": (
        "👤 Who chairs the meeting? Pick someone below, or type a full name (at most {limit} characters).\n"
        "Now: {current}"
    ),
    "details.ask_officer.secretary": (
        "✍ Who is the secretary? Pick someone below, or type a full name (at most {limit} characters).\n"
        "Now: {current}"
    ),
    "details.ask_committee": (
        "🧾 Counting committee: type full names, one a line (the first chairs it; at most {max} people, "
        "{limit} characters a name), or pick below to add one at a time.\nNow: {current}"
    ),
    "details.saved": "✅ Saved.",
    "details.done": "✅ The minutes will print this. Export them with /xuat.",
    "details.text_expected": "Please type it as a text message, or /cancel to stop.",
    "details.cancelled": "Stopped; nothing more changed.",
    "details.refused.name_empty": "The name is empty or too short; nothing was saved.",
    "details.refused.name_long": "The name is {length} characters long, at most {limit}; nothing was saved.",
    "details.refused.name_chars": "The name holds control or hidden characters; type it again. Nothing was saved.",
    "details.refused.place_empty": "The place is empty or too short; nothing was saved.",
    "details.refused.place_long": "The place is {length} characters long, at most {limit}; nothing was saved.",
    "details.refused.place_chars": "The place holds control or hidden characters; nothing was saved.",
    "details.refused.committee_empty": "No name was given; type one a line. Nothing was saved.",
    "details.refused.committee_many": "The counting committee has at most {limit} people; nothing was saved.",
    "details.refused.committee_twice": "Someone is named twice; nothing was saved.",
    "details.refused.not_in_bloc": "That person is not of this bloc; nothing was saved.",
    "ballot.refused.no_counting_committee": (
        "Cannot open a secret ballot: the meeting has no counting committee. Set it under «📝 Place and "
        "officers» on the meeting's card (or /thanhphan), then open again."
    ),
}
