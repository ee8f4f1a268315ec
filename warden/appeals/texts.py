"""Appeals' texts for people, zh and en: the appellant's stages, the decision reasons, the document rejections.

Codes never change with the language; the tables are keyed by code (outcomes by their value: "uphold", …).
"""

from __future__ import annotations

from warden.kernel.i18n import Catalog, Lang

__all__ = ["DECISION_REASONS", "QUEUE_TABLE", "REJECT_TEXT", "STAGE_TEXT", "Lang", "decision_text"]

QUEUE_TABLE: Catalog[str] = Catalog(
    {
        "title": {"zh": "审核队列（{count} 件）", "en": "Review queue ({count} cases)"},
        "case": {"zh": "案件", "en": "case"},
        "subject": {"zh": "对象", "en": "subject"},
        "stage": {"zh": "阶段", "en": "stage"},
        "due": {"zh": "截止", "en": "due"},
        "claimed_by": {"zh": "认领人", "en": "claimed by"},
        "overdue": {"zh": "已逾期", "en": "overdue"},
    }
)
"""The review queue as a table (`warden appeals queue`)."""

STAGE_TEXT: Catalog[str] = Catalog(
    {
        "needs_documents": {
            "zh": "待补充材料：请上传缺少或被退回的资质材料",
            "en": "Documents needed: upload the missing or rejected documents",
        },
        "queued": {"zh": "已提交，排队等待审核", "en": "Submitted, waiting for a reviewer"},
        "in_review": {"zh": "审核中", "en": "Under review"},
        "second_review": {
            "zh": "复核中（需第二位审核员确认）",
            "en": "Under second review (a second reviewer confirms)",
        },
        "upheld": {"zh": "申诉未通过，维持原处罚", "en": "Appeal rejected; the penalty stands"},
        "reduced": {"zh": "申诉部分通过，处罚已减轻", "en": "Appeal partly granted; the penalty was reduced"},
        "overturned": {"zh": "申诉通过，处罚已撤销", "en": "Appeal granted; the penalty was lifted"},
        "withdrawn": {"zh": "申诉已撤回", "en": "Appeal withdrawn"},
    }
)

DECISION_REASONS: dict[str, Catalog[str]] = {
    "uphold": Catalog(
        {
            "violation_confirmed": {
                "zh": "经核查，违规行为属实，维持处罚。",
                "en": "The violation is confirmed; the penalty stands.",
            },
            "evidence_insufficient": {
                "zh": "提交的证据不足以证明未违规。",
                "en": "The evidence submitted does not show that no violation took place.",
            },
            "documents_invalid": {
                "zh": "资质材料不完整或无法核实。",
                "en": "The qualification documents are incomplete or could not be verified.",
            },
        }
    ),
    "reduce": Catalog(
        {
            "mitigating_circumstances": {
                "zh": "违规属实，但情节较轻，处罚已减轻。",
                "en": "The violation is confirmed but minor; the penalty was reduced.",
            },
            "rectified": {
                "zh": "违规属实，已提交整改，处罚已减轻。",
                "en": "The violation is confirmed and was rectified; the penalty was reduced.",
            },
        }
    ),
    "overturn": Catalog(
        {
            "rule_misfired": {
                "zh": "经核查为误判，处罚已撤销。",
                "en": "The rule fired in error; the penalty was lifted.",
            },
            "evidence_convincing": {
                "zh": "你提交的证据证明未违规，处罚已撤销。",
                "en": "Your evidence shows there was no violation; the penalty was lifted.",
            },
            "documents_verified": {
                "zh": "资质材料核实无误，企业处罚已撤销。",
                "en": "The qualification documents were verified; the enterprise penalty was lifted.",
            },
        }
    ),
}

REJECT_TEXT: Catalog[str] = Catalog(
    {
        "illegible": {"zh": "图片模糊或不完整，无法辨认", "en": "Blurred or incomplete, cannot be read"},
        "expired": {"zh": "证件已过期", "en": "The document has expired"},
        "mismatch": {"zh": "信息与企业登记信息不一致", "en": "Does not match the enterprise's registered details"},
        "seal_missing": {"zh": "缺少企业公章", "en": "The company seal is missing"},
        "wrong_document": {"zh": "上传的不是所需材料", "en": "Not the document asked for"},
        "other": {"zh": "其他原因，见审核员说明", "en": "Other; see the reviewer's note"},
    }
)


def decision_text(outcome: str, reason_code: str, lang: Lang) -> str:
    """The sentence for a decision's reason code (`DECISION_REASONS[outcome]`) in `lang`."""
    return DECISION_REASONS[outcome].render(reason_code, lang)
