/** @odoo-module **/
import { registry } from "@web/core/registry";

// A collector opens the dashboard: open invoices, unapplied payments and credits and the net
// receivable each on their own line; overdue is a share of the open invoices.
registry.category("web_tour.tours").add("ar_collections_dashboard_figures", {
    steps: () => [
        {
            content: "Open invoices: what customers owe",
            trigger: ".o_ar_dashboard .o_ar_open:contains('1,000.00')",
        },
        {
            content: "The advance stands apart, as a credit",
            trigger: ".o_ar_dashboard .o_ar_unapplied:contains('1,500.00')",
        },
        {
            content: "Net receivable: the two together",
            trigger: ".o_ar_dashboard .o_ar_net:contains('500.00')",
        },
        {
            content: "Overdue is a share of the open invoices, never more",
            trigger: ".o_ar_dashboard .o_ar_card:has(.o_ar_overdue:contains('1,000.00')):contains('100 % of open invoices')",
        },
        {
            content: "The aging ends with the unapplied credits and the net receivable",
            trigger: ".o_ar_dashboard .o_ar_aging .o_ar_aging_unapplied:contains('1,500.00')",
        },
    ],
});
