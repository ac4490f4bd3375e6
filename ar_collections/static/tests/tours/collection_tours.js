/** @odoo-module **/
import { registry } from "@web/core/registry";

function inDays(days) {
    const date = new Date();
    date.setDate(date.getDate() + days);
    const pad = (value) => String(value).padStart(2, "0");
    return `${pad(date.getMonth() + 1)}/${pad(date.getDate())}/${date.getFullYear()}`;
}

// An accountant opens an overdue invoice, logs a call with a promise, and sees the collection pause.
registry.category("web_tour.tours").add("ar_collections_log_promise", {
    steps: () => [
        {
            content: "The invoice is open",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('INV/')",
        },
        {
            content: "Record the customer's promise",
            trigger: ".o_statusbar_buttons button[name='action_ar_record_promise']",
            run: "click",
        },
        {
            content: "The outcome is 'Promised to pay'",
            trigger: ".modal .o_field_widget[name='outcome_id'] input:value('Promised to pay')",
        },
        {
            content: "Who promised",
            trigger: ".modal .o_field_widget[name='contact_name'] input",
            run: "edit Pat from accounts payable",
        },
        {
            content: "By when",
            trigger: ".modal .o_field_widget[name='promised_date'] input",
            run: `edit ${inDays(5)}`,
        },
        {
            content: "What was said",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Will pay by wire on Friday",
        },
        {
            content: "Log it",
            trigger: ".modal .modal-footer button[name='action_log']",
            run: "click",
        },
        {
            content: "Open the collection tab",
            trigger: ".o_notebook .nav-link:contains('Collection')",
            run: "click",
        },
        {
            content: "The promise now pauses the invoice",
            trigger: ".o_field_widget[name='ar_promise_id'] .o_form_uri",
        },
        {
            content: "with its date, and no next collection action",
            trigger: ".o_field_widget[name='ar_promise_date'] span:not(:empty)",
        },
    ],
});

// An admin moves the demand letter by one day in the collection settings.
registry.category("web_tour.tours").add("ar_collections_stage_offset", {
    steps: () => [
        {
            content: "Open the policies from Settings > Invoicing > Collections",
            trigger: "#ar_collection_policies button:contains('Policies and Stages')",
            run: "click",
        },
        {
            content: "Open the standard policy",
            trigger: ".o_list_view .o_data_row td:contains('Standard collection')",
            run: "click",
        },
        {
            content: "Edit the demand letter's days",
            trigger: ".o_field_one2many .o_data_row:contains('Demand letter') td[name='offset_days']",
            run: "click",
        },
        {
            content: "Sixteen days instead of fifteen",
            trigger: ".o_field_one2many .o_data_row.o_selected_row td[name='offset_days'] input",
            run: "edit 16",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});

// A salesperson confirms an order over the customer's limit: refused, with the figures.
registry.category("web_tour.tours").add("ar_collections_blocked_order", {
    steps: () => [
        {
            content: "The quotation warns about the credit situation",
            trigger: ".o_form_view .alert:contains('Credit limit exceeded')",
        },
        {
            content: "Confirm it anyway",
            trigger: ".o_statusbar_buttons button[name='action_confirm']:not(.o_invisible_modifier):visible",
            run: "click",
        },
        {
            content: "Refused, with the exposure, the order and the limit",
            trigger: ".modal:contains('cannot be confirmed'):contains('Credit limit exceeded'):contains('above the credit limit')",
        },
        {
            content: "and who can release it",
            trigger: ".modal:contains('A credit manager'):contains('Release Credit Block')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Still a quotation",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
    ],
});

// A credit manager releases the blocked order with a reason: it is confirmed.
registry.category("web_tour.tours").add("ar_collections_release_order", {
    steps: () => [
        {
            content: "Release the credit block",
            trigger: ".o_statusbar_buttons button[name='action_ar_release_credit']",
            run: "click",
        },
        {
            content: "The wizard says why the order is blocked",
            trigger: ".modal .o_field_widget[name='summary']:contains('Credit limit exceeded')",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit Bank guarantee received today",
        },
        {
            content: "Release and confirm",
            trigger: ".modal .modal-footer button[name='action_release']",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
    ],
});

// A collector opens the replies to handle and turns a customer's complaint into a dispute.
registry.category("web_tour.tours").add("ar_collections_reply_dispute", {
    steps: () => [
        {
            content: "The customer's reply waits in the list",
            trigger: ".o_list_view .o_data_row td[name='note']:contains('arrived damaged')",
            run: "click",
        },
        {
            content: "It shows what the customer wrote",
            trigger: ".o_form_view .o_field_widget[name='reply_body']:contains('arrived damaged')",
        },
        {
            content: "Turn it into a dispute",
            trigger: ".o_statusbar_buttons button:contains('Dispute')",
            run: "click",
        },
        {
            content: "The wizard is on the dispute, with the invoice",
            trigger: ".modal .o_field_widget[name='dispute_reason']",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The dispute opens with the reply as its first evidence",
            trigger: ".o_form_view .o-mail-Message:contains('first evidence'):contains('arrived damaged')",
        },
    ],
});
