"""Exports of the council's dossier (issue 7)."""

VI: dict[str, str] = {
    "cmd.xuat": "Xuất hồ sơ: bảng điểm, biên bản, tờ trình, danh sách",
    "export.menu": "<b>Xuất hồ sơ — {bloc}</b>\nChọn tệp cần xuất:",
    "export.menu_unit": "<b>Xuất hồ sơ của đơn vị — {bloc}</b>\nChọn tệp cần xuất:",
    "export.pick_bloc": "Xuất hồ sơ của khối nào?",
    "export.btn.reg": "📋 Tổng hợp đăng ký (XLSX)",
    "export.btn.scores": "📊 Bảng điểm (XLSX)",
    "export.btn.minutes": "📝 Biên bản họp bình xét (DOCX, PDF)",
    "export.btn.proposal": "📨 Tờ trình (DOCX)",
    "export.btn.nominees": "📑 Danh sách đề nghị (XLSX, DOCX)",
    "export.btn.chart": "📈 Biểu đồ xếp hạng (ảnh)",
    "export.btn.csv": "🧾 Các bảng dạng CSV",
    "export.btn.all": "📦 Cả bộ hồ sơ",
    "export.working": "⏳ Đang chuẩn bị tệp…",
    "export.sent": "✅ Đã gửi {count} tệp.",
    "export.nothing": "Chưa có dữ liệu để xuất (chưa có cuộc họp nào).",
    "export.caption.chart": "Xếp hạng thi đua — {bloc}",
}

EN: dict[str, str] = {
    "cmd.xuat": "Export the dossier: scores, minutes, proposal, lists",
    "export.menu": "<b>Export — {bloc}</b>\nPick what to export:",
    "export.menu_unit": "<b>Export your unit's files — {bloc}</b>\nPick what to export:",
    "export.pick_bloc": "Export which bloc's files?",
    "export.btn.reg": "📋 Registration summary (XLSX)",
    "export.btn.scores": "📊 Score workbook (XLSX)",
    "export.btn.minutes": "📝 Minutes of the selection meeting (DOCX, PDF)",
    "export.btn.proposal": "📨 Proposal to the council (DOCX)",
    "export.btn.nominees": "📑 List of nominees (XLSX, DOCX)",
    "export.btn.chart": "📈 Ranking chart (image)",
    "export.btn.csv": "🧾 The tables as CSV",
    "export.btn.all": "📦 The whole dossier",
    "export.working": "⏳ Preparing the files…",
    "export.sent": "✅ Sent {count} files.",
    "export.nothing": "Nothing to export yet (no meeting so far).",
    "export.caption.chart": "Ranking — {bloc}",
}
