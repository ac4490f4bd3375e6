/** @odoo-module **/
import { registry } from "@web/core/registry";

// ``days`` after ``isoDate`` (the server's today, given as the date input's minimum: the
// browser's clock may already be on another day around midnight).
function isoInDays(isoDate, days) {
    const date = new Date(`${isoDate}T12:00:00`);
    date.setDate(date.getDate() + days);
    const pad = (value) => String(value).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// A customer follows the link of a reminder email, without logging in, and promises to pay.
registry.category("web_tour.tours").add("ar_collections_portal_promise", {
    steps: () => [
        {
            content: "The invoice page offers the collection actions",
            trigger: "#ar_collection:contains('Can\\'t pay this invoice right now?')",
        },
        {
            content: "Open the promise form",
            trigger: "#ar_collection button.o_ar_open_promise",
            run: "click",
        },
        {
            content: "Choose the payment date",
            trigger: "#ar_form_promise.show input[name='promised_date']",
            run() {
                // A native date input: set its value as the browser's date picker does.
                this.anchor.value = isoInDays(this.anchor.min, 10);
            },
        },
        {
            content: "Promise part of the amount",
            trigger: "#ar_form_promise input[name='amount']",
            run: "edit 600",
        },
        {
            content: "Say a word",
            trigger: "#ar_form_promise textarea[name='note']",
            run: "edit Our payment run is on the 5th",
        },
        {
            content: "Record the promise",
            trigger: "#ar_form_promise button.o_ar_submit_promise",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The customer sees the promise recorded",
            trigger: "#ar_collection .o_ar_done:contains('your promise to pay is recorded')",
        },
        {
            content: "and its terms",
            trigger: "#ar_collection .o_ar_status:contains('Promise to pay recorded')",
        },
    ],
});
