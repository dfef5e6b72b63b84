"""Exports of the council's dossier (issue 7)."""

VI: dict[str, str] = {
    "cmd.xuat": "Xuất hồ sơ: bảng điểm, biên bản, tờ trình, danh sách",
    "export.menu": "<b>Xuất hồ sơ — {bloc}</b>\nChọn tệp cần xuất:",
    "export.menu_unit": "<b>Xuất hồ sơ của đơn vị — {bloc}</b>\nChọn tệp cần xuất:",
    "export.pick_bloc": "Xuất hồ sơ của khối nào?",
    "export.pick_meeting": "Xuất biên bản của cuộc họp nào?",
    "export.meeting_choice": "{kind} — {date} ({ballots} lượt bỏ phiếu)",
    "export.btn.reg": "📋 Tổng hợp đăng ký (XLSX)",
    "export.btn.scores": "📊 Bảng điểm (XLSX)",
    "export.btn.minutes": "📝 Biên bản họp bình xét (DOCX, PDF)",
    "export.btn.proposal": "📨 Tờ trình, báo cáo tóm tắt thành tích (DOCX)",
    "export.btn.nominees": "📑 Danh sách đề nghị (XLSX, DOCX)",
    "export.btn.chart": "📈 Biểu đồ xếp hạng (ảnh)",
    "export.btn.csv": "🧾 Các bảng dạng CSV",
    "export.btn.evidence": "📎 Minh chứng (ZIP)",
    "export.btn.all": "📦 Cả bộ hồ sơ",
    "export.working": "⏳ Đang chuẩn bị tệp…",
    "export.sent": "✅ Đã gửi {count} tệp.",
    "export.missing": "Chưa xuất được:\n{reasons}",
    "export.missing.minutes": "• Biên bản: khối chưa có cuộc họp nào trong năm học này.",
    "export.missing.chart": "• Biểu đồ xếp hạng: chưa có bảng điểm nào được Khối trưởng chốt.",
    "export.caption.chart": "Xếp hạng thi đua — {bloc}",
    "export.evidence.working": "⏳ Đang tải minh chứng từ Telegram và đóng gói, có thể mất vài phút…",
    "export.evidence.busy": "Gói minh chứng bạn yêu cầu đang được chuẩn bị, vui lòng chờ.",
    "export.evidence.sent": (
        "✅ Đã gửi gói minh chứng: {parts} tệp ZIP, {files} tệp minh chứng, {links} liên kết và ghi chú.\n"
        "Danh mục <code>muc-luc.csv</code> nằm trong tệp ZIP cuối."
    ),
    "export.evidence.failed_files": "⚠️ {failed} tệp không tải được; lý do ghi trong muc-luc.csv.",
    "export.evidence.error": "Không đóng gói được minh chứng do lỗi hệ thống. Vui lòng thử lại sau.",
    "export.missing.evidence": "• Minh chứng: chưa đơn vị nào gửi minh chứng kèm bảng tự chấm.",
}

EN: dict[str, str] = {
    "cmd.xuat": "Export the dossier: scores, minutes, proposal, lists",
    "export.menu": "<b>Export — {bloc}</b>\nPick what to export:",
    "export.menu_unit": "<b>Export your unit's files — {bloc}</b>\nPick what to export:",
    "export.pick_bloc": "Export which bloc's files?",
    "export.pick_meeting": "Minutes of which meeting?",
    "export.meeting_choice": "{kind} — {date} ({ballots} ballots)",
    "export.btn.reg": "📋 Registration summary (XLSX)",
    "export.btn.scores": "📊 Score workbook (XLSX)",
    "export.btn.minutes": "📝 Minutes of the selection meeting (DOCX, PDF)",
    "export.btn.proposal": "📨 Proposal to the council, achievement reports (DOCX)",
    "export.btn.nominees": "📑 List of nominees (XLSX, DOCX)",
    "export.btn.chart": "📈 Ranking chart (image)",
    "export.btn.csv": "🧾 The tables as CSV",
    "export.btn.evidence": "📎 Evidence files (ZIP)",
    "export.btn.all": "📦 The whole dossier",
    "export.working": "⏳ Preparing the files…",
    "export.sent": "✅ Sent {count} files.",
    "export.missing": "Not exported yet:\n{reasons}",
    "export.missing.minutes": "• Minutes: the bloc has held no meeting this school year.",
    "export.missing.chart": "• Ranking chart: no score sheet has been finalised by the bloc head yet.",
    "export.caption.chart": "Ranking — {bloc}",
    "export.evidence.working": "⏳ Fetching the evidence from Telegram and packing it; this may take a few minutes…",
    "export.evidence.busy": "The evidence pack you asked for is being prepared; please wait.",
    "export.evidence.sent": (
        "✅ Sent the evidence pack: {parts} ZIP files, {files} evidence files, {links} links and notes.\n"
        "The index <code>muc-luc.csv</code> is in the last ZIP file."
    ),
    "export.evidence.failed_files": "⚠️ {failed} files could not be fetched; muc-luc.csv gives the reason.",
    "export.evidence.error": "The evidence could not be packed because of a system error. Please try again later.",
    "export.missing.evidence": "• Evidence: no unit has attached evidence to its self-scoring yet.",
}
