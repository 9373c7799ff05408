"""The todo page (`/todo`): a shell the ES module `pages/todo.js` fills from the API. Shell."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runtime.http.deps import OptionalUser, request_locale
from runtime.i18n import texts
from runtime.pages import render

router = APIRouter(include_in_schema=False)

# The page's words; the script reads them from the page (one dictionary for both sides).
WORDS = {
    "todo": {"zh-CN": "待办", "en": "To do"},
    "box_mine": {"zh-CN": "我的待办", "en": "Mine"},
    "box_cc": {"zh-CN": "抄送我的", "en": "CC'd to me"},
    "box_submitted": {"zh-CN": "我发起的", "en": "Submitted"},
    "status_open": {"zh-CN": "待处理", "en": "Open"},
    "status_done": {"zh-CN": "已处理", "en": "Done"},
    "status_all": {"zh-CN": "全部", "en": "All"},
    "empty": {"zh-CN": "这里没有任务", "en": "Nothing here"},
    "loading": {"zh-CN": "加载中…", "en": "Loading…"},
    "select_all": {"zh-CN": "全选", "en": "Select all"},
    "batch_approve": {"zh-CN": "批量同意", "en": "Approve selected"},
    "submitter": {"zh-CN": "发起人", "en": "Submitted by"},
    "assignee": {"zh-CN": "处理人", "en": "Assignee"},
    "age": {"zh-CN": "已等待", "en": "Waiting"},
    "due": {"zh-CN": "截止", "en": "Due"},
    "overdue": {"zh-CN": "已超时", "en": "Overdue"},
    "fields": {"zh-CN": "表单内容", "en": "Record"},
    "history": {"zh-CN": "审批记录", "en": "History"},
    "comment": {"zh-CN": "审批意见", "en": "Comment"},
    "approve": {"zh-CN": "同意", "en": "Approve"},
    "reject": {"zh-CN": "驳回", "en": "Reject"},
    "return": {"zh-CN": "退回", "en": "Return"},
    "return_to": {"zh-CN": "退回到", "en": "Return to"},
    "return_default": {
        "zh-CN": "按节点设置（默认上一节点）",
        "en": "As the node says (the previous one)",
    },
    "return_submitter": {"zh-CN": "发起人", "en": "The submitter"},
    "attach": {"zh-CN": "附件", "en": "Attach files"},
    "transfer": {"zh-CN": "转交", "en": "Transfer"},
    "add_signer": {"zh-CN": "加签", "en": "Add signer"},
    "before": {"zh-CN": "之前", "en": "before"},
    "after": {"zh-CN": "之后", "en": "after"},
    "withdraw": {"zh-CN": "撤回", "en": "Withdraw"},
    "urge": {"zh-CN": "催办", "en": "Urge"},
    "pick_user": {"zh-CN": "选择人员", "en": "Choose a person"},
    "confirm": {"zh-CN": "确定", "en": "OK"},
    "cancel": {"zh-CN": "取消", "en": "Cancel"},
    "back": {"zh-CN": "返回列表", "en": "Back to the list"},
    "open_record": {"zh-CN": "打开记录", "en": "Open the record"},
    "done_ok": {"zh-CN": "已提交", "en": "Done"},
    "batch_done": {"zh-CN": "已同意 {n} 项", "en": "Approved {n}"},
    "batch_failed": {"zh-CN": "{n} 项未能处理", "en": "{n} could not be approved"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "minutes": {"zh-CN": "{n} 分钟", "en": "{n} min"},
    "hours": {"zh-CN": "{n} 小时", "en": "{n} h"},
    "days": {"zh-CN": "{n} 天", "en": "{n} d"},
    "just_now": {"zh-CN": "刚刚", "en": "just now"},
    "kind_cc": {"zh-CN": "抄送", "en": "CC"},
    "kind_todo": {"zh-CN": "任务", "en": "Task"},
    "priority_high": {"zh-CN": "紧急", "en": "Urgent"},
    "finish": {"zh-CN": "完成", "en": "Done"},
    "outcome_approve": {"zh-CN": "同意", "en": "approved"},
    "outcome_reject": {"zh-CN": "驳回", "en": "rejected"},
    "outcome_return": {"zh-CN": "退回", "en": "returned"},
    "outcome_withdraw": {"zh-CN": "撤回", "en": "withdrew"},
    "trace_entered": {"zh-CN": "进入", "en": "reached"},
    "trace_approver": {"zh-CN": "审批人", "en": "approvers"},
    "trace_transfer": {"zh-CN": "转交给", "en": "transferred to"},
    "trace_condition": {"zh-CN": "条件", "en": "condition"},
    "trace_error": {"zh-CN": "出错", "en": "error"},
    "instance_running": {"zh-CN": "审批中", "en": "In progress"},
    "instance_approved": {"zh-CN": "已通过", "en": "Approved"},
    "instance_rejected": {"zh-CN": "已驳回", "en": "Rejected"},
    "instance_withdrawn": {"zh-CN": "已撤回", "en": "Withdrawn"},
    "instance_returned": {"zh-CN": "已退回", "en": "Returned"},
    "instance_completed": {"zh-CN": "已完成", "en": "Completed"},
    "instance_failed": {"zh-CN": "失败", "en": "Failed"},
    "task_open": {"zh-CN": "待处理", "en": "open"},
    "task_done": {"zh-CN": "已处理", "en": "done"},
    "task_cancelled": {"zh-CN": "已取消", "en": "cancelled"},
}
BOXES = ("mine", "cc", "submitted")


def words_for(locale: str) -> dict[str, str]:
    return texts(WORDS, locale)


@router.get("/todo", response_class=HTMLResponse)
def todo(request: Request, user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/todo", status_code=303)
    locale = request_locale(request)
    box = request.query_params.get("box")
    return HTMLResponse(
        render.page(
            "todo.html",
            locale=locale,
            user=user,
            todo=words_for(locale),
            boxes=BOXES,
            box=box if box in BOXES else "mine",
        )
    )
