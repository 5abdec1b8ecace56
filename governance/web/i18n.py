"""The words of the web pages in English, French and Arabic; a page asks for a phrase by its key."""

from __future__ import annotations

from typing import Any

RTL = frozenset({"ar"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}

# key: (English, French, Arabic). A phrase may hold {name} fields, filled by the page.
PHRASES: dict[str, tuple[str, str, str]] = {
    "app": ("Governance", "Gouvernance", "الحوكمة"),
    "sign_in": ("Sign in", "Se connecter", "تسجيل الدخول"),
    "sign_out": ("Sign out", "Se déconnecter", "تسجيل الخروج"),
    "email": ("E-mail address", "Adresse électronique", "البريد الإلكتروني"),
    "send_link": ("Send me a sign-in link", "M'envoyer un lien de connexion", "أرسلوا إليّ رابط الدخول"),
    "sign_in_intro": ("No password: we send a link to your address; it works once, within 15 minutes.",
                      "Pas de mot de passe : nous envoyons un lien à votre adresse ; il sert une fois, dans les 15 minutes.",
                      "لا حاجة إلى كلمة مرور: نرسل رابطًا إلى عنوانكم، يعمل مرة واحدة خلال 15 دقيقة."),
    "sign_in_sent": ("If this address belongs to someone in the network, a sign-in link is on its way to it. It works once, within 15 minutes.",
                     "Si cette adresse appartient à une personne du réseau, un lien de connexion lui a été envoyé. Il sert une fois, dans les 15 minutes.",
                     "إذا كان هذا العنوان لأحد أعضاء الشبكة، فقد أُرسل إليه رابط للدخول يعمل مرة واحدة خلال 15 دقيقة."),
    "sign_in_as": ("Sign in as {name}", "Se connecter en tant que {name}", "الدخول باسم {name}"),
    "sign_in_confirm": ("Press the button to sign in on this device.", "Appuyez sur le bouton pour vous connecter sur cet appareil.",
                        "اضغطوا الزر لتسجيل الدخول على هذا الجهاز."),
    "signed_out": ("You are signed out.", "Vous êtes déconnecté.", "تم تسجيل خروجكم."),
    "too_many": ("Too many sign-in requests; wait a quarter of an hour and try again.",
                 "Trop de demandes de connexion ; attendez un quart d'heure avant de réessayer.",
                 "طلبات دخول كثيرة جدًا؛ يُرجى الانتظار ربع ساعة ثم المحاولة مجددًا."),
    "language": ("Language", "Langue", "اللغة"),
    "home": ("My page", "Ma page", "صفحتي"),
    "desk": ("Secretariat desk", "Bureau du Secrétariat", "مكتب الأمانة"),
    "waiting": ("Waiting for your approval", "En attente de votre approbation", "بانتظار موافقتكم"),
    "nothing_waiting": ("Nothing waits for your approval.", "Rien n'attend votre approbation.", "لا شيء بانتظار موافقتكم."),
    "requested_by": ("asked by {name}", "demandé par {name}", "بطلب من {name}"),
    "for_comment": ("Documents open for your comments", "Documents ouverts à vos observations", "وثائق مفتوحة لملاحظاتكم"),
    "none_for_comment": ("No document is open for comments.", "Aucun document n'est ouvert aux observations.", "لا توجد وثيقة مفتوحة للملاحظات."),
    "org_actions": ("Actions your organisation owns", "Actions dont votre organisation est chargée", "الإجراءات المسندة إلى مؤسستكم"),
    "no_actions": ("Your organisation owns no open action.", "Votre organisation n'est chargée d'aucune action en cours.", "لا توجد إجراءات مفتوحة مسندة إلى مؤسستكم."),
    "your_term": ("The chair's term", "Le mandat de la présidence", "ولاية الرئاسة"),
    "approve": ("Approve", "Approuver", "الموافقة"),
    "reject": ("Refuse", "Refuser", "الرفض"),
    "comment": ("Send the comment", "Envoyer l'observation", "إرسال الملاحظة"),
    "complete": ("Mark it complete", "La déclarer accomplie", "تسجيله منجزًا"),
    "reason": ("Reason", "Motifs", "السبب"),
    "reason_optional": ("Reason (optional)", "Motifs (facultatif)", "السبب (اختياري)"),
    "your_comment": ("Your comment", "Votre observation", "ملاحظتكم"),
    "paragraph": ("Paragraph", "Paragraphe", "الفقرة"),
    "whole_text": ("The whole text", "L'ensemble du texte", "النص كله"),
    "comment_on_para": ("Comment on paragraph {n}", "Observation sur le paragraphe {n}", "ملاحظة على الفقرة {n}"),
    "link_for": ("This link was sent to {name}.", "Ce lien a été envoyé à {name}.", "أُرسل هذا الرابط إلى {name}."),
    "will_approve": ("You are about to approve this step on behalf of the chair: {step}.",
                     "Vous allez approuver cette étape au nom de la présidence : {step}.",
                     "أنتم على وشك الموافقة على هذه الخطوة باسم الرئاسة: {step}."),
    "will_reject": ("You are about to refuse this step; the person who asked is told your reason: {step}.",
                    "Vous allez refuser cette étape ; la personne qui l'a demandée recevra vos motifs : {step}.",
                    "أنتم على وشك رفض هذه الخطوة، وسيُبلَّغ صاحب الطلب بأسبابكم: {step}."),
    "will_comment": ("Your comment goes to the secretariat in the name of {org}. This link takes one comment.",
                     "Votre observation sera transmise au Secrétariat au nom de {org}. Ce lien sert pour une observation.",
                     "ستصل ملاحظتكم إلى الأمانة باسم {org}. يصلح هذا الرابط لملاحظة واحدة."),
    "will_complete": ("You are about to mark this action complete for {org}.", "Vous allez déclarer cette action accomplie pour {org}.",
                      "أنتم على وشك تسجيل هذا الإجراء منجزًا باسم {org}."),
    "nothing_yet": ("Nothing has been done yet: only the button below acts.", "Rien n'est encore fait : seul le bouton ci-dessous agit.",
                    "لم يُنفَّذ شيء بعد: الزر أدناه وحده هو الذي ينفّذ."),
    "done": ("Done.", "C'est fait.", "تم."),
    "done_approve": ("Approved: {ref} is now {state}.", "Approuvé : {ref} est maintenant « {state} ».", "تمت الموافقة: أصبح {ref} الآن في حالة {state}."),
    "done_reject": ("Refused: {ref} stays {state}; the person who asked is told.", "Refusé : {ref} reste « {state} » ; la personne qui l'a demandé est informée.",
                    "تم الرفض: يبقى {ref} في حالة {state}، وسيُبلَّغ صاحب الطلب."),
    "done_comment": ("Thank you: your comment {ref} was recorded.", "Merci : votre observation {ref} a été enregistrée.", "شكرًا: سُجّلت ملاحظتكم {ref}."),
    "done_complete": ("Recorded: {ref} is now {state}.", "Enregistré : {ref} est maintenant « {state} ».", "سُجّل: أصبح {ref} الآن في حالة {state}."),
    # A written procedure: objecting and voting from the letter's link, and the procedures open on a focal point's page.
    "object": ("Object", "Formuler l'objection", "الاعتراض"),
    "vote": ("Vote", "Voter", "التصويت"),
    "will_object": ("Your objection breaks silence at once, in the name of {org}; every member and the chair are told who objected and why. This link takes one objection.",
                    "Votre objection rompt le silence immédiatement, au nom de {org} ; chaque membre et la présidence sauront qui a objecté et pourquoi. Ce lien sert pour une objection.",
                    "يكسر اعتراضكم الصمت فورًا باسم {org}، ويُبلَّغ كل الأعضاء والرئاسة بمن اعترض ولماذا. يصلح هذا الرابط لاعتراض واحد."),
    "will_vote": ("You vote in the name of {org}: one vote per member, and the last one cast before the deadline counts. This link takes one vote.",
                  "Vous votez au nom de {org} : une voix par membre, et la dernière exprimée avant l'échéance est retenue. Ce lien sert pour un vote.",
                  "تصوّتون باسم {org}: صوت واحد لكل عضو، ويُعتدّ بآخر صوت قبل الموعد النهائي. يصلح هذا الرابط لتصويت واحد."),
    "reservation_needed": ("Write the reservation or statement in the box; nothing was annexed.",
                           "Écrivez la réserve ou la déclaration dans la case ; rien n'a été annexé.",
                           "اكتبوا التحفّظ أو البيان في الخانة؛ لم يُرفق شيء."),
    "your_reservation": ("A reservation or interpretative statement of your organisation, annexed to the decision",
                         "Une réserve ou déclaration interprétative de votre organisation, annexée à la décision",
                         "تحفّظ أو بيان تفسيري لمؤسستكم، يُرفق بالقرار"),
    "reservation": ("Reservation", "Réserve", "تحفّظ"),
    "statement": ("Interpretative statement", "Déclaration interprétative", "بيان تفسيري"),
    "annex": ("Annex it", "L'annexer", "إرفاقه"),
    "written_until": ("Deadline", "Échéance", "الموعد النهائي"),
    "your_objection": ("Your objection, or the amendment you propose", "Votre objection, ou l'amendement que vous proposez",
                       "اعتراضكم، أو التعديل الذي تقترحونه"),
    "is_amendment": ("This is a proposed amendment", "Il s'agit d'une proposition d'amendement", "هذا اقتراح تعديل"),
    "your_vote": ("The vote of {org}", "Le vote de {org}", "تصويت {org}"),
    "position_for": ("For", "Pour", "مؤيد"),
    "position_against": ("Against", "Contre", "معارض"),
    "position_abstain": ("Abstain", "Abstention", "ممتنع"),
    "statement_optional": ("Explanation of vote (optional)", "Explication de vote (facultatif)", "تعليل التصويت (اختياري)"),
    "written_open": ("Decisions in writing, open now", "Décisions par écrit en cours", "قرارات كتابية جارية"),
    "mode_silence": ("silence procedure", "procédure d'approbation tacite", "إجراء الموافقة الضمنية"),
    "mode_vote": ("written vote", "vote écrit", "تصويت كتابي"),
    "you_voted": ("your member's vote: {position}", "vote de votre organisation : {position}", "تصويت مؤسستكم: {position}"),
    "done_object": ("Recorded: silence on {ref} is broken; every member and the chair are told.",
                    "Enregistré : le silence sur {ref} est rompu ; chaque membre et la présidence en sont informés.",
                    "سُجّل: كُسر الصمت على {ref}، ويُبلَّغ كل الأعضاء والرئاسة."),
    "done_vote": ("Thank you: your vote on {ref} was recorded; the others of your organisation are told.",
                  "Merci : votre vote sur {ref} a été enregistré ; les autres représentants de votre organisation en sont informés.",
                  "شكرًا: سُجّل تصويتكم على {ref}، ويُبلَّغ سائر ممثلي مؤسستكم."),
    "objection_needed": ("Write the objection in the box; nothing was sent", "Écrivez l'objection dans la zone de texte ; rien n'a été envoyé",
                         "اكتبوا الاعتراض في الخانة؛ لم يُرسَل شيء"),
    "position_needed": ("Choose for, against or abstain; nothing was sent", "Choisissez pour, contre ou abstention ; rien n'a été envoyé",
                        "اختاروا التأييد أو المعارضة أو الامتناع؛ لم يُرسَل شيء"),
    "more_comments": ("To send more comments, sign in.", "Pour envoyer d'autres observations, connectez-vous.", "لإرسال ملاحظات أخرى، يُرجى تسجيل الدخول."),
    "state": ("State", "État", "الحالة"),
    "deadlines": ("Deadlines", "Échéances", "المواعيد"),
    "deadline_left": ("Comments close {when} ({left}).", "Les observations sont closes le {when} ({left}).", "تُغلق الملاحظات في {when} ({left})."),
    "history": ("History", "Historique", "السجل"),
    "may_do": ("What you may do now", "Ce que vous pouvez faire maintenant", "ما يمكنكم فعله الآن"),
    "nothing_to_do": ("Nothing for you to do on this record now.", "Rien à faire pour vous sur ce dossier pour le moment.", "لا شيء عليكم فعله في هذا السجل الآن."),
    "preview": ("Look before you confirm", "Vérifiez avant de confirmer", "راجعوا قبل التأكيد"),
    "would_move": ("{ref} would go from {source} to {dest}.", "{ref} passerait de « {source} » à « {dest} ».", "سينتقل {ref} من {source} إلى {dest}."),
    "would_wait": ("The step would wait for the chair's approval.", "L'étape attendrait l'approbation de la présidence.", "ستنتظر الخطوة موافقة الرئاسة."),
    "would_set": ("Deadlines it would set", "Échéances fixées", "المواعيد التي ستُحدَّد"),
    "confirm": ("Confirm", "Confirmer", "تأكيد"),
    "cancel": ("Back", "Retour", "رجوع"),
    "text": ("Text", "Texte", "النص"),
    "version": ("version {n}", "version {n}", "النسخة {n}"),
    "your_org_comments": ("Your organisation's comments", "Les observations de votre organisation", "ملاحظات مؤسستكم"),
    "matrix": ("Comment matrix", "Tableau des observations", "جدول الملاحظات"),
    "no_comments": ("No comment yet.", "Aucune observation pour l'instant.", "لا توجد ملاحظات بعد."),
    "decision": ("Disposition", "Suite donnée", "القرار"),
    "note": ("Note", "Note", "ملاحظة الأمانة"),
    "dispose": ("Record", "Enregistrer", "تسجيل"),
    "pending_approvals": ("Steps waiting for the chair", "Étapes en attente de la présidence", "خطوات بانتظار الرئاسة"),
    "soonest": ("Deadlines, soonest first", "Échéances, les plus proches d'abord", "المواعيد، الأقرب أولاً"),
    "overdue": ("Overdue actions", "Actions en retard", "إجراءات متأخرة"),
    "by_state": ("Records by state", "Dossiers par état", "السجلات حسب الحالة"),
    "outbox": ("Letters that failed", "Lettres non remises", "رسائل تعذّر إرسالها"),
    "retry_all": ("Put them back in the queue", "Les remettre dans la file", "إعادتها إلى قائمة الإرسال"),
    "no_failed": ("No letter failed.", "Aucune lettre en échec.", "لا توجد رسائل متعثرة."),
    "audit": ("Audit trail", "Piste d'audit", "سجل التدقيق"),
    "verify": ("Verify the chain", "Vérifier la chaîne", "التحقق من السلسلة"),
    "broken": ("The audit chain is broken at entry {seq}: {reason}", "La chaîne d'audit est rompue à l'entrée {seq} : {reason}",
               "سلسلة التدقيق مكسورة عند القيد {seq}: {reason}"),
    "none": ("None.", "Aucun.", "لا شيء."),
    "refused": ("Not done", "Non effectué", "لم يُنفَّذ"),
    "not_found": ("There is no such page.", "Cette page n'existe pas.", "هذه الصفحة غير موجودة."),
    "sign_in_first": ("Sign in to see this page.", "Connectez-vous pour voir cette page.", "سجّلوا الدخول لعرض هذه الصفحة."),
    "csrf": ("The form was sent without the hidden fields it carries (or from another site); nothing was done. Open the page again and resend it.",
             "Le formulaire a été envoyé sans ses champs cachés (ou depuis un autre site) ; rien n'a été fait. Rouvrez la page et renvoyez-le.",
             "أُرسل النموذج من دون حقوله المخفية (أو من موقع آخر)، فلم يُنفَّذ شيء. افتحوا الصفحة من جديد وأعيدوا الإرسال."),
    "secretariat_only": ("This page is the secretariat's.", "Cette page est celle du Secrétariat.", "هذه الصفحة خاصة بالأمانة."),
    "ref": ("Reference", "Référence", "المرجع"),
    "title": ("Title", "Titre", "العنوان"),
    "when": ("When", "Quand", "الموعد"),
    "who": ("Who", "Qui", "الجهة"),
    "to": ("To", "Destinataire", "إلى"),
    "error": ("Error", "Erreur", "الخطأ"),
    "due": ("Due", "Échéance", "الاستحقاق"),
    "kind": ("Kind", "Type", "النوع"),
    "name": ("Name", "Nom", "الاسم"),
    "step": ("Step", "Étape", "الخطوة"),
    "org": ("Organisation", "Organisation", "المؤسسة"),
    "closed": ("closed", "clos", "مغلق"),
    "under_a_day": ("less than a day left", "moins d'un jour", "بقي أقل من يوم"),
    "yes": ("yes", "oui", "نعم"),
    "no": ("no", "non", "لا"),
    "kind_meeting": ("Meetings", "Réunions", "الاجتماعات"),
    "kind_document": ("Documents", "Documents", "الوثائق"),
    "kind_term": ("Terms of office", "Mandats", "الولايات"),
    "kind_action": ("Follow-up actions", "Actions de suivi", "إجراءات المتابعة"),
    # The desk's forms: what the CLI's create commands take.
    "create": ("Create", "Créer", "إنشاء"),
    "new_meeting": ("New meeting", "Nouvelle réunion", "اجتماع جديد"),
    "new_document": ("New document", "Nouveau document", "وثيقة جديدة"),
    "new_person": ("New person", "Nouvelle personne", "شخص جديد"),
    "meeting_kind": ("Kind of meeting", "Type de réunion", "نوع الاجتماع"),
    "start": ("Start", "Début", "البداية"),
    "end": ("End", "Fin", "النهاية"),
    "venue": ("Venue", "Lieu", "المكان"),
    "online": ("Online meeting", "Réunion en ligne", "اجتماع عبر الإنترنت"),
    "video_link": ("Video-conference link", "Lien de la visioconférence", "رابط المؤتمر المرئي"),
    "doc_type": ("Type of document", "Type de document", "نوع الوثيقة"),
    "file": ("The text: a Word file (.docx), or a .txt or .md file in UTF-8", "Le texte : un fichier Word (.docx), ou un fichier .txt ou .md en UTF-8",
             "النص: ملف ⁦Word (.docx)⁩، أو ملف ⁦.txt⁩ أو ⁦.md⁩ بترميز UTF-8"),
    "meeting": ("Meeting", "Réunion", "الاجتماع"),
    "no_meeting": ("None", "Aucune", "لا يوجد"),
    "handle": ("Handle (letters, digits, . _ -)", "Identifiant (lettres, chiffres, . _ -)", "المعرّف (حروف وأرقام و . _ -)"),
    "person_lang": ("Language of their letters", "Langue de ses lettres", "لغة رسائله"),
    "roles": ("Roles", "Rôles", "الأدوار"),
    "created": ("{ref} created.", "{ref} créé.", "أُنشئ {ref}."),
    "person_created": ("{name} ({handle}) added to {org}.", "{name} ({handle}) ajouté(e) à {org}.", "أُضيف {name} ({handle}) إلى {org}."),
    "upload_needed": ("Choose the document's text file; nothing was created.", "Choisissez le fichier du texte ; rien n'a été créé.",
                      "اختاروا ملف نص الوثيقة؛ لم يُنشأ شيء."),
    "upload_kind": ("The text must be a Word file (.docx), or a .txt or .md file in UTF-8; nothing was written.",
                    "Le texte doit être un fichier Word (.docx), ou un fichier .txt ou .md en UTF-8 ; rien n'a été enregistré.",
                    "يجب أن يكون النص ملف ⁦Word (.docx)⁩، أو ملف ⁦.txt⁩ أو ⁦.md⁩ بترميز UTF-8؛ لم يُسجَّل شيء."),
    # A document's files and languages on its page (the desk's uploads, Word and spreadsheet downloads, the text's language).
    "upload_needed_revision": ("Choose the file of the new version; nothing was changed.",
                               "Choisissez le fichier de la nouvelle version ; rien n'a été modifié.",
                               "اختاروا ملف النسخة الجديدة؛ لم يُغيَّر شيء."),
    "upload_large": ("The file is larger than the {mb} MB a document file may be; nothing was written.",
                     "Le fichier dépasse les {mb} Mo permis pour un document ; rien n'a été enregistré.",
                     "حجم الملف أكبر من {mb} ميغابايت المسموح بها لملف وثيقة؛ لم يُسجَّل شيء."),
    "bad_version": ("“{value}” is not a version number; nothing was downloaded.", "« {value} » n'est pas un numéro de version ; rien n'a été téléchargé.",
                    "«{value}» ليس رقم نسخة؛ لم يُنزَّل شيء."),
    "text_in": ("Language of the text", "Langue du texte", "لغة النص"),
    "text_of_language": ("the {language} version of version {n}", "la version en {language} de la version {n}", "النص باللغة {language} للنسخة {n}"),
    "text_missing": ("There is no {language} text of version {n} yet; the text is shown in {shown}.",
                     "Il n'existe pas encore de texte en {language} de la version {n} ; le texte est affiché en {shown}.",
                     "لا يوجد بعد نص باللغة {language} للنسخة {n}؛ يُعرض النص باللغة {shown}."),
    "text_stale": ("The {language} text renders version {old}, not the current version {n}: it is out of date until it is translated again. The text is shown in {shown}.",
                   "Le texte en {language} rend la version {old}, et non la version actuelle {n} : il est périmé jusqu'à sa nouvelle traduction. Le texte est affiché en {shown}.",
                   "النص باللغة {language} يقابل النسخة {old} لا النسخة الحالية {n}، فهو متقادم إلى أن يُترجم من جديد. يُعرض النص باللغة {shown}."),
    "not_translated": ("not translated yet", "pas encore traduit", "لم يُترجم بعد"),
    "files": ("Files", "Fichiers", "الملفات"),
    "download_version": ("Version {n} as a Word file (.docx)", "Version {n} en fichier Word (.docx)", "النسخة {n} بصيغة ⁦Word (.docx)⁩"),
    "download_language": ("The {language} text of version {n} as a Word file (.docx)",
                          "Le texte en {language} de la version {n} en fichier Word (.docx)",
                          "النص باللغة {language} للنسخة {n} بصيغة ⁦Word (.docx)⁩"),
    "tracked_since": ("A version revised since version {n} was circulated opens in Word with its changes tracked.",
                      "Une version révisée depuis la diffusion de la version {n} s'ouvre dans Word avec ses modifications suivies.",
                      "تُفتح النسخة المنقّحة بعد تعميم النسخة {n} في Word مع تتبّع تغييراتها."),
    "download_matrix": ("The comment matrix as a spreadsheet (.xlsx)", "Le tableau des observations en classeur (.xlsx)",
                        "جدول الملاحظات بصيغة جدول بيانات (⁦.xlsx⁩)"),
    "revise_file": ("A new version from a file", "Une nouvelle version à partir d'un fichier", "نسخة جديدة من ملف"),
    "revise": ("Record the new version", "Enregistrer la nouvelle version", "تسجيل النسخة الجديدة"),
    # The scheduler's health, as `gov status` reports it.
    "health": ("The scheduler", "Le planificateur", "المجدول"),
    "hb_alive": ("Alive: last heartbeat {ago} ago.", "En marche : dernier signal il y a {ago}.", "يعمل: آخر نبضة قبل {ago}."),
    "hb_dead": ("NOT RUNNING: its last heartbeat was {ago} ago. Start `gov scheduler` again.",
                "ARRÊTÉ : son dernier signal date d'il y a {ago}. Relancez `gov scheduler`.",
                "متوقف: آخر نبضة قبل {ago}. أعيدوا تشغيل `gov scheduler`."),
    "hb_stopped": ("Stopped cleanly {ago} ago. Start `gov scheduler` again.", "Arrêté proprement il y a {ago}. Relancez `gov scheduler`.",
                   "أُوقف بصورة سليمة قبل {ago}. أعيدوا تشغيل `gov scheduler`."),
    "hb_never": ("Never started: deadlines fire only when `gov tick` runs.", "Jamais lancé : les échéances ne sont traitées que par `gov tick`.",
                 "لم يُشغَّل قط: لا تُنفَّذ المواعيد إلا عند تشغيل `gov tick`."),
    "hb_ahead": ("Its last heartbeat is after the moment shown: nothing can be said.",
                 "Son dernier signal est postérieur au moment affiché : impossible de se prononcer.",
                 "آخر نبضة بعد اللحظة المعروضة: لا يمكن الحكم."),
    "last_tick": ("Last tick", "Dernier passage", "آخر تشغيل"),
    "never": ("never", "jamais", "أبدًا"),
    "due_unfired": ("Due and not yet fired", "Échues, pas encore traitées", "مستحقة ولم تُنفَّذ بعد"),
    "mail_counts": ("Letters", "Lettres", "الرسائل"),
    "mail_line": ("{pending} waiting, {failed} failed, {sent} sent", "{pending} en attente, {failed} en échec, {sent} envoyées",
                  "{pending} بالانتظار، {failed} متعثرة، {sent} مُرسلة"),
    "stuck": ("Rows due since {when} have not fired: whatever fires them is not doing it.",
              "Des échéances dues depuis le {when} n'ont pas été traitées : ce qui devait les traiter ne le fait pas.",
              "لم تُنفَّذ مواعيد مستحقة منذ {when}: ما يفترض أن ينفّذها لا يفعل."),
}

# The states of the shipped workflows, by name. A state a workflow file adds is shown by its file's description.
STATES: dict[str, tuple[str, str, str]] = {
    "planned": ("planned", "planifiée", "مخطط له"),
    "convened": ("convened", "convoquée", "تمت الدعوة إليه"),
    "in_session": ("in session", "en séance", "منعقد"),
    "closed": ("closed", "close", "مختتم"),
    "cancelled": ("cancelled", "annulé(e)", "ملغى"),
    "draft": ("draft", "projet", "مسودة"),
    "circulated": ("open for comments", "soumis aux observations", "مفتوح للملاحظات"),
    "comments_closed": ("comments closed", "observations closes", "أُغلقت الملاحظات"),
    "tabled": ("tabled for the meeting", "inscrit à l'ordre du jour", "مدرج في جدول الأعمال"),
    "adopted": ("adopted", "adopté", "معتمد"),
    "endorsed": ("endorsed", "entériné", "مُصادَق عليه"),
    "noted": ("noted", "pris acte", "أُحيط علمًا به"),
    "rejected": ("rejected", "rejeté", "مرفوض"),
    "published": ("published", "publié", "منشور"),
    "withdrawn": ("withdrawn", "retiré", "مسحوب"),
    "proposed": ("proposed", "proposé", "مقترح"),
    "designated": ("designated", "désigné", "معيَّن"),
    "active": ("in office", "en cours", "سارية"),
    "ended": ("ended", "terminé", "منتهية"),
    "revoked": ("revoked", "révoqué", "مُلغاة"),
    "open": ("open", "ouverte", "مفتوح"),
    "overdue": ("overdue", "en retard", "متأخر"),
    "done": ("done", "accomplie", "منجز"),
    "in_writing": ("before the members in writing", "soumis aux membres par écrit", "معروض على الأعضاء كتابيًا"),
    "broken": ("silence broken", "silence rompu", "كُسر الصمت"),
    "not_adopted": ("not adopted", "non adopté", "لم يُعتمد"),
}
_INDEX = {"en": 0, "fr": 1, "ar": 2}

# Phrases that hold a count: one form per plural category of the language (CLDR, as Babel knows them), so that a page
# never writes "day(s)". Arabic has six: zero, one, two, few (3-10), many (11-99), other (100 and up).
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "days_left": {
        "en": {"one": "{n} day left", "other": "{n} days left"},
        "fr": {"one": "encore {n} jour", "other": "encore {n} jours"},
        "ar": {"zero": "لم يبقَ أي يوم", "one": "بقي يوم واحد", "two": "بقي يومان", "few": "بقيت {n} أيام",
               "many": "بقي {n} يومًا", "other": "بقي {n} يوم"},
    },
    "would_mail": {
        "en": {"one": "{n} letter would be written", "other": "{n} letters would be written"},
        "fr": {"one": "{n} lettre serait écrite", "other": "{n} lettres seraient écrites"},
        "ar": {"zero": "لن تُكتب أي رسالة", "one": "ستُكتب رسالة واحدة", "two": "ستُكتب رسالتان", "few": "ستُكتب {n} رسائل",
               "many": "ستُكتب {n} رسالة", "other": "ستُكتب {n} رسالة"},
    },
    "requeued": {
        "en": {"one": "{n} letter back in the queue.", "other": "{n} letters back in the queue."},
        "fr": {"one": "{n} lettre remise dans la file.", "other": "{n} lettres remises dans la file."},
        "ar": {"zero": "لم تُعَد أي رسالة إلى قائمة الإرسال.", "one": "أُعيدت رسالة واحدة إلى قائمة الإرسال.",
               "two": "أُعيدت رسالتان إلى قائمة الإرسال.", "few": "أُعيدت {n} رسائل إلى قائمة الإرسال.",
               "many": "أُعيدت {n} رسالة إلى قائمة الإرسال.", "other": "أُعيدت {n} رسالة إلى قائمة الإرسال."},
    },
    "verified": {
        "en": {"one": "The audit chain holds: {n} entry checked.", "other": "The audit chain holds: {n} entries checked."},
        "fr": {"one": "La chaîne d'audit est intacte : {n} entrée vérifiée.", "other": "La chaîne d'audit est intacte : {n} entrées vérifiées."},
        "ar": {"zero": "سلسلة التدقيق سليمة: لا قيود فيها بعد.", "one": "سلسلة التدقيق سليمة: تم التحقق من قيد واحد.",
               "two": "سلسلة التدقيق سليمة: تم التحقق من قيدين.", "few": "سلسلة التدقيق سليمة: تم التحقق من {n} قيود.",
               "many": "سلسلة التدقيق سليمة: تم التحقق من {n} قيدًا.", "other": "سلسلة التدقيق سليمة: تم التحقق من {n} قيد."},
    },
}

# Names the engine gives things (a record's fields, a workflow's triggers, a deadline row, a disposition), in the
# reader's words. A name a workflow file adds is shown with its underscores as spaces.
FIELDS: dict[str, tuple[str, str, str]] = {
    "title": ("Title", "Titre", "العنوان"),
    "kind": ("Kind", "Type", "النوع"),
    "type": ("Type of document", "Type de document", "نوع الوثيقة"),
    "start": ("Start", "Début", "البداية"),
    "end": ("End", "Fin", "النهاية"),
    "venue": ("Venue", "Lieu", "المكان"),
    "online": ("Online", "En ligne", "عبر الإنترنت"),
    "link": ("Link", "Lien", "الرابط"),
    "office": ("Office", "Fonction", "المنصب"),
    "org": ("Organisation", "Organisation", "المؤسسة"),
    "owner": ("Owner", "Responsable", "الجهة المسؤولة"),
    "due": ("Due", "Échéance", "موعد الاستحقاق"),
    "meeting": ("Meeting", "Réunion", "الاجتماع"),
    "current_version": ("Current version", "Version actuelle", "النسخة الحالية"),
    "circulated_version": ("Version circulated", "Version diffusée", "النسخة المعمّمة"),
    "comments": ("Comments", "Observations", "الملاحظات"),
    "reason": ("Reason", "Motifs", "السبب"),
    "source": ("Source", "Origine", "المصدر"),
    "version": ("Version", "Version", "النسخة"),
    "mode": ("Mode", "Mode", "الطريقة"),
    "document": ("Document", "Document", "الوثيقة"),
    "document_version": ("Version put to the members", "Version soumise aux membres", "النسخة المعروضة على الأعضاء"),
    "until": ("Deadline", "Échéance", "الموعد النهائي"),
    "follows": ("Follows", "Fait suite à", "يلي"),
}
TRIGGERS: dict[str, tuple[str, str, str]] = {
    "create": ("created", "création", "الإنشاء"),
    "edit": ("corrected", "correction", "التصحيح"),
    "activate": ("start the term", "ouvrir le mandat", "بدء الولاية"),
    "adopt": ("adopt", "adopter", "الاعتماد"),
    "cancel": ("cancel", "annuler", "الإلغاء"),
    "circulate": ("circulate for comments", "diffuser pour observations", "التعميم لإبداء الملاحظات"),
    "close": ("close the meeting", "clore la réunion", "اختتام الاجتماع"),
    "close_comments": ("close the comments", "clore les observations", "إغلاق باب الملاحظات"),
    "complete": ("mark complete", "déclarer accomplie", "تسجيل الإنجاز"),
    "confirm": ("confirm", "confirmer", "التأكيد"),
    "convene": ("convene", "convoquer", "الدعوة إلى الانعقاد"),
    "end": ("end the term", "clore le mandat", "إنهاء الولاية"),
    "endorse": ("endorse", "entériner", "المصادقة"),
    "lapse": ("due date passed", "échéance dépassée", "تجاوز موعد الاستحقاق"),
    "note": ("take note", "prendre acte", "الإحاطة علمًا"),
    "open": ("open the meeting", "ouvrir la réunion", "افتتاح الاجتماع"),
    "publish": ("publish", "publier", "النشر"),
    "reject": ("reject", "rejeter", "الرفض"),
    "revoke": ("revoke", "révoquer", "سحب التعيين"),
    "table": ("table for the meeting", "inscrire à l'ordre du jour", "الإدراج في جدول الأعمال"),
    "withdraw": ("withdraw", "retirer", "السحب"),
    "revise": ("revised", "révision", "التنقيح"),
    "translate": ("language version added", "version linguistique ajoutée", "إضافة نسخة لغوية"),
    "reschedule": ("rescheduled", "report", "تغيير الموعد"),
    "launch": ("send to the members", "envoyer aux membres", "الإرسال إلى الأعضاء"),
    "break_silence": ("silence broken", "silence rompu", "كسر الصمت"),
    "not_adopt": ("not adopted", "non adopté", "عدم الاعتماد"),
    "submit_in_writing": ("put to the members in writing", "soumis aux membres par écrit", "العرض على الأعضاء كتابيًا"),
    "adopt_in_writing": ("adopted in writing", "adopté par écrit", "الاعتماد كتابيًا"),
    "return_from_writing": ("back from writing", "retour de la procédure écrite", "العودة من الإجراء الكتابي"),
    "object": ("objection", "objection", "اعتراض"),
    "vote": ("vote", "vote", "تصويت"),
    "reserve": ("reservation annexed", "réserve annexée", "إرفاق تحفّظ"),
    "to_meeting": ("to the next meeting", "renvoi à la prochaine réunion", "الإحالة إلى الاجتماع المقبل"),
    "notice_relayed": ("written to the alternates", "avis transmis aux suppléants", "الإبلاغ عبر المناوبين"),
}
DEADLINES: dict[str, tuple[str, str, str]] = {
    "comment_deadline": ("end of the comment period", "fin de la période d'observations", "نهاية مهلة الملاحظات"),
    "comment_reminder": ("reminder to comment", "rappel pour les observations", "تذكير بإبداء الملاحظات"),
    "close_due": ("the meeting should be closed", "la réunion devrait être close", "موعد اختتام الاجتماع"),
    "convene_by": ("last day to convene", "dernier jour pour convoquer", "آخر موعد للدعوة إلى الانعقاد"),
    "due": ("due date", "échéance", "موعد الاستحقاق"),
    "due_reminder": ("reminder before the due date", "rappel avant l'échéance", "تذكير قبل موعد الاستحقاق"),
    "escalation": ("escalation to the chair", "signalement à la présidence", "إحالة إلى الرئاسة"),
    "not_opened": ("the meeting was not opened", "la réunion n'a pas été ouverte", "لم يُفتتح الاجتماع"),
    "notice_limit": ("last day for the notice", "dernier jour du préavis", "آخر موعد للإخطار"),
    "term_end": ("end of the term", "fin du mandat", "نهاية الولاية"),
    "term_ending": ("the term ends soon", "fin prochaine du mandat", "اقتراب نهاية الولاية"),
    "term_start": ("start of the term", "début du mandat", "بداية الولاية"),
    "vacancy": ("the office is vacant", "fonction vacante", "شغور المنصب"),
    "deadline": ("deadline", "échéance", "موعد نهائي"),
    "reminder": ("reminder", "rappel", "تذكير"),
    "vote_count": ("the vote is counted", "dépouillement du vote", "فرز الأصوات"),
    "vote_reminder": ("reminder to vote", "rappel pour voter", "تذكير بالتصويت"),
    "notice_missing": ("members not reached", "membres non avisés", "أعضاء لم يُبلَّغوا"),
}
DISPOSITIONS: dict[str, tuple[str, str, str]] = {
    "accepted": ("accepted", "acceptée", "مقبولة"),
    "partly": ("partly accepted", "acceptée en partie", "مقبولة جزئيًا"),
    "rejected": ("not accepted", "non retenue", "غير مقبولة"),
    "noted": ("noted", "prise en compte", "أُحيط بها علمًا"),
}
WRITTEN_MODES: dict[str, tuple[str, str, str]] = {
    "silence": ("silence procedure: adopted unless a member objects", "procédure d'approbation tacite : adopté sauf objection",
                "إجراء السكوت: يُعتمد ما لم يعترض عضو"),
    "vote": ("written vote", "vote par écrit", "تصويت كتابي"),
}
DOCUMENT_TYPES: dict[str, tuple[str, str, str]] = {
    "concept_note": ("concept note", "note conceptuelle", "مذكرة مفاهيمية"),
    "agenda": ("agenda", "ordre du jour", "جدول الأعمال"),
    "rop": ("Rules of Procedure", "Règlement intérieur", "النظام الداخلي"),
    "action_plan": ("action plan", "plan d'action", "خطة العمل"),
    "communique": ("communiqué", "communiqué", "البيان الختامي"),
    "report": ("report", "rapport", "تقرير"),
}


def phrase(lang: str, key: str, **fields: Any) -> str:
    """The phrase `key` in `lang` (English when the language has none), its fields filled in; a phrase that holds a
    count `n` takes the plural form the language uses for it."""
    if key in PLURALS:
        from babel import Locale

        forms_by_count = PLURALS[key].get(lang) or PLURALS[key]["en"]
        category = Locale.parse(lang if lang in PLURALS[key] else "en").plural_form(abs(fields.get("n", 0)))
        return forms_by_count.get(category, forms_by_count["other"]).format(**fields)
    forms = PHRASES[key]
    text = forms[_INDEX.get(lang, 0)] or forms[0]
    return text.format(**_isolated(lang, fields)) if fields else text


def _isolated(lang: str, fields: dict[str, Any]) -> dict[str, Any]:
    """In a right-to-left phrase, each value written in a left-to-right script sits between FIRST STRONG ISOLATE and POP DIRECTIONAL
    ISOLATE: a name in Latin letters keeps its own order and its comma and brackets ("Kingdom of Bahrain:") stay with it
    (what <bdi> does in markup, for the text a phrase is)."""
    if lang not in RTL:
        return fields
    import unicodedata

    def latin(value: str) -> bool:
        return any(unicodedata.bidirectional(ch) == "L" for ch in value)

    return {k: f"\u2068{v}\u2069" if isinstance(v, str) and latin(v) else v for k, v in fields.items()}


def named(table: dict[str, tuple[str, str, str]], lang: str, name: str) -> str:
    """A name from one of the tables above in the reader's language, else the name with its underscores as spaces."""
    forms = table.get(name)
    if forms is not None:
        return forms[_INDEX.get(lang, 0)] or forms[0]
    return name.replace("_", " ")


def arrow(lang: str) -> str:
    """From one state to the next, pointing the way the reader reads (arrows are not mirrored by the bidi rules)."""
    return "←" if lang in RTL else "→"


def state_name(lang: str, state: str, description: str = "") -> str:
    """A state in the reader's words: the name this module knows, else the workflow file's description, else the name
    with its underscores as spaces (never the bare code)."""
    forms = STATES.get(state)
    if forms is not None:
        return forms[_INDEX.get(lang, 0)] or forms[0]
    return description.split(";")[0].rstrip(".") if description else state.replace("_", " ")


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"
