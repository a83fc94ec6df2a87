"""`gongkai review`: a local web application to review findings beside the source and record corrections."""
