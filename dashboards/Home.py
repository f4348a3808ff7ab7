"""Deepto for managers: what deep learning does for the business, in money and percentages.

The entry script of the multipage app (``deepto dashboard``, or ``streamlit run dashboards/Home.py``):
it gates everything behind the login, sets the shared sidebar filters, then runs the chosen page.
"""

import streamlit as st

from dashboards import ui

st.set_page_config(page_title="Deepto", page_icon=":material/insights:", layout="wide")
user = ui.require_login()
ui.logout_button(user)
ui.require_data()
ui.sidebar_filters()

pages = [
    st.Page("views/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("views/usecase.py", title="Use-case", icon=":material/compare_arrows:"),
    st.Page("views/pipelines.py", title="Pipelines", icon=":material/account_tree:"),
    st.Page("views/compute.py", title="Compute", icon=":material/memory:"),
]
if user.is_admin:
    pages.append(st.Page("views/access.py", title="Access", icon=":material/lock:"))
st.navigation(pages).run()
