"""Access (admins only): who may read the dashboard, and how to add someone."""

import pandas as pd
import streamlit as st

from deepto import auth

st.title("Access")
settings = auth.auth_settings()
users = auth.load_users(settings)
st.dataframe(pd.DataFrame([{"user": u.name, "role": u.role} for u in users.values()]), hide_index=True)
st.markdown(f"Users come from `{settings.users_file}` and the DEEPTO_DASHBOARD_USER variable. "
            + auth.how_to_add_user(settings))
