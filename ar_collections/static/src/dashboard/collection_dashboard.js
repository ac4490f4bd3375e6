/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { _t } from "@web/core/l10n/translation";
import { formatMonetary } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * The Collections dashboard: the figures a manager looks at first (open invoices, unapplied
 * payments and credits, net receivable, overdue, DSO, CEI, aging of the open invoices,
 * collection rate per stage, promises, disputes, outcomes, the 13-week cash-in forecast and
 * the top of the worklist), from one server call.
 */
export class CollectionDashboard extends Component {
    static props = { ...standardActionServiceProps };
    static template = "ar_collections.CollectionDashboard";

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(async () => {
            this.state.data = await this.orm.call("ar.collection.kpi", "get_dashboard_data", []);
        });
    }

    money(amount) {
        return formatMonetary(amount || 0, { currencyId: this.state.data.currency.id });
    }

    percent(value) {
        return value === null || value === undefined ? "–" : `${value} %`;
    }

    barWidth(amount, rows, key) {
        const max = Math.max(...rows.map((row) => Math.abs(row[key] || 0)), 1);
        return `width: ${Math.round((Math.abs(amount || 0) / max) * 100)}%`;
    }

    openAction(xmlId) {
        this.action.doAction(xmlId);
    }

    openCustomer(partnerId) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: partnerId,
            views: [[false, "form"]],
            name: _t("Customer"),
        });
    }
}

registry.category("actions").add("ar_collections.dashboard", CollectionDashboard);
