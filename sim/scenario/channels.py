"""Where each sales channel's orders enter the landscape (the channel topology)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ChannelEntry", "EdiEntry", "WebShopEntry"]


class WebShopEntry(StrEnum):
    """How a web-shop order enters: the commerce platform's order, or a CRM quote."""

    COMMERCE = "commerce"
    CRM_QUOTE = "crm_quote"


class EdiEntry(StrEnum):
    """How an EDI order enters: an IDoc into the ERP, or a CRM quote."""

    IDOC = "idoc"
    CRM_QUOTE = "crm_quote"


class ChannelEntry(BaseModel):
    """The point of entry of each channel; ``crm_quote`` everywhere is the old world.

    Field sales always enters as a CRM quote the rep accepts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    web_shop: WebShopEntry = Field(
        default=WebShopEntry.COMMERCE,
        description=(
            "assumption: B2B web-shop orders are placed by the commerce platform "
            "(Salesforce B2B Commerce style) as CRM orders without a quote; crm_quote "
            "enters them as accepted CRM quotes instead"
        ),
    )
    edi: EdiEntry = Field(
        default=EdiEntry.IDOC,
        description=(
            "EDI 850 purchase orders reach the ERP as ORDERS IDocs through a VAN or AS2 and "
            "never touch the CRM (SAP IDoc inbound, message type ORDERS); crm_quote enters "
            "them as accepted CRM quotes instead"
        ),
    )
