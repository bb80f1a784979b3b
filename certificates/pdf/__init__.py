"""Certificate PDFs, pure (no ORM, no storage): ``composition`` places a frozen ``CertificateData`` on an A4 page as
drawing operations; ``writer`` turns them into PDF bytes directly (``render_certificate``, the one to call);
``naive`` draws the same layout with reportlab's canvas (benchmark and test reference). May import certificates'
fonts and qr, Pillow and reportlab; importers name the module.
"""
