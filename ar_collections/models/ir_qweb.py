from lxml import etree

from odoo import models

# Context key: compile an inline template (a mail template's body) once for all its records.
COMPILE_ONCE = "ar_compile_once"

# {(source, compile context): compiled template}, the few inline templates a batch renders.
_COMPILED = {}
_COMPILED_SIZE = 32


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Odoo compiles an inline template (a mail template's body is rendered from an etree)
        again for every record. Under ``ar_compile_once`` the compiled code is kept for the same
        source and compile context, so that a batch of collection emails compiles its body
        once instead of once per customer. The key holds the whole source: an edited template
        compiles anew."""
        if not self.env.context.get(COMPILE_ONCE) or not isinstance(template, etree._Element):
            return super()._compile(template)
        keys = (*self._get_template_cache_keys(), "raise_on_forbidden_code_for_model")
        key = (etree.tostring(template), tuple(self.env.context.get(name) for name in keys))
        if key not in _COMPILED:
            if len(_COMPILED) >= _COMPILED_SIZE:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = super()._compile(template)
        return _COMPILED[key]
