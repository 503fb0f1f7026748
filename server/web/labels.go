package web

// shellLabels are the texts of the layout and the login page.
var shellLabels = map[string]Label{
	"app.name":          {"tarazy", "tarazy"},
	"app.tagline":       {"Мамандандырылған мектептерге қабылдау конкурсы", "Конкурс в специализированные школы"},
	"nav.home":          {"Басты бет", "Главная"},
	"nav.logout":        {"Шығу", "Выйти"},
	"login.title":       {"Кіру", "Вход"},
	"login.token":       {"API токені", "API-токен"},
	"login.help":        {"Әкімші берген токенді енгізіңіз (tarazy token create).", "Введите токен, выданный администратором (tarazy token create)."},
	"login.submit":      {"Кіру", "Войти"},
	"login.failed":      {"Токен қабылданбады", "Токен не принят"},
	"message.back":      {"Басты бетке оралу", "Вернуться на главную"},
	"error.title":       {"Қате", "Ошибка"},
	"error.forbidden":   {"Бұл бетке рұқсатыңыз жоқ", "Нет доступа к этой странице"},
	"error.notfound":    {"Бет табылмады", "Страница не найдена"},
	"error.unavailable": {"Дерекқор қолжетімсіз, кейінірек қайталаңыз", "База данных недоступна, повторите позже"},
}
