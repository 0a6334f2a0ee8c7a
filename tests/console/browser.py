"""The console driven as a person uses it, in headless Chromium: see tests/console/run.

Usage: browser.py SERVER_URL ADMIN_TOKEN SCREENSHOT_DIR
"""

import datetime
import json
import re
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL, TOKEN, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
TEAM = "智能电梯专班"
USERNAME, PASSWORD = "console_member", "console-pass-1"
NAME = "浏览器测试智能电梯项目"


def api(method, path, body=None):
    request = urllib.request.Request(
        URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


# A member of a team with a target for this year, so that the sign rate is a percentage.
team = next(t for t in api("GET", "/api/v1/teams") if t["name"] == TEAM)
user = api("POST", "/api/v1/users", {"username": USERNAME, "role": "member", "team_id": team["id"]})
api("PUT", f"/api/v1/users/{user['id']}/password", {"password": PASSWORD})
year = datetime.date.today().year
api("PUT", f"/api/v1/targets/{year}/{team['id']}", {"projects_signed": 20, "funds_arrived": "50000"})

options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-CN"]:
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 10)
shot_number = 0


def shot(name):
    global shot_number
    shot_number += 1
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(768, min(height, 4000)))
    driver.save_screenshot(f"{SHOTS}/{shot_number:02d}-{name}.png")
    driver.set_window_size(1366, 768)


def text(selector):
    return driver.find_element(By.CSS_SELECTOR, selector).text


def signed_count():
    figures = text('[data-rate="签约率"] .muted')
    return int(re.search(r"已签约(\d+)个", figures).group(1))


def submit(form_selector):
    driver.find_element(By.CSS_SELECTOR, form_selector + ' button[type="submit"]').click()


try:
    driver.get(URL + "/")
    wait.until(EC.title_contains("登录"))
    shot("login")
    driver.find_element(By.ID, "username").send_keys(USERNAME)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit("form")
    wait.until(EC.title_contains("工作台"))
    before = signed_count()
    rate_before = text('[data-rate="签约率"] .rate-value')
    shot("home")

    # A new project.
    driver.get(URL + "/projects/new")
    driver.find_element(By.ID, "n-name").send_keys(NAME)
    driver.find_element(By.ID, "n-investor").send_keys("浏览器测试投资有限公司")
    driver.find_element(By.ID, "n-planned").send_keys("1500")
    shot("new-project")
    submit("form.card")
    wait.until(EC.title_contains(NAME))
    project_url = driver.current_url
    assert "1500.00万元" in driver.page_source

    # A visit.
    driver.find_element(By.ID, "a-summary").send_keys("赴企业总部拜访，洽谈落地方案")
    Select(driver.find_element(By.ID, "a-kind")).select_by_value("visit_out")
    submit('form[action$="/activities"]')
    wait.until(EC.text_to_be_present_in_element((By.ID, "follow-ups"), "赴企业总部拜访"))
    shot("project-visit")

    # Signed, with a contract, from the board's dialog.
    driver.get(URL + "/board?q=" + urllib.request.quote(NAME))
    card = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-stage="lead"] .project-card')))
    card.find_element(By.LINK_TEXT, "变更阶段").click()
    wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#dialog form")))
    Select(driver.find_element(By.ID, "m-to")).select_by_value("signed")
    driver.find_element(By.ID, "m-amount").send_keys("3000")
    shot("board-move")
    # Without the contracted amount first: the stage rule's refusal beside the form, in Chinese.
    driver.find_element(By.ID, "m-amount").clear()
    submit("#dialog form")
    refusal = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#dialog .error")))
    assert "签约需要合同条款" in refusal.text, refusal.text
    driver.find_element(By.ID, "m-amount").send_keys("3000")
    Select(driver.find_element(By.ID, "m-to")).select_by_value("signed")
    submit("#dialog form")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-stage="signed"] .project-card')))
    assert "合同 3000.00万元" in text('[data-stage="signed"]')
    shot("board-signed")

    # A payment.
    driver.get(project_url)
    driver.find_element(By.ID, "p-amount").send_keys("250")
    submit('form[action$="/payments"]')
    wait.until(EC.text_to_be_present_in_element((By.ID, "payments"), "250.00万元"))
    shot("project-payment")

    # The home page's sign rate counts it.
    driver.get(URL + "/")
    after = signed_count()
    assert after == before + 1, (before, after)
    rate_after = text('[data-rate="签约率"] .rate-value')
    assert rate_after != rate_before, (rate_before, rate_after)
    shot("home-after")
    driver.save_screenshot(f"{SHOTS}/console.png")  # one screen of it, as the README shows
    # On a phone's width, no page is wider than the screen.
    driver.set_window_size(390, 844)
    for path, name in [("/", "phone-home"), ("/board", "phone-board"), (project_url.replace(URL, ""), "phone-project")]:
        driver.get(URL + path)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400, (path, width)
        driver.save_screenshot(f"{SHOTS}/{name}.png")
    driver.set_window_size(1366, 768)

    # Signing out: the session is over.
    driver.find_element(By.CSS_SELECTOR, 'form[action="/logout"] button').click()
    wait.until(EC.title_contains("登录"))
    driver.get(URL + "/")
    wait.until(EC.title_contains("登录"))
    shot("signed-out")
    cookie = driver.get_cookie("zs_session")
    assert cookie is None, cookie

    # Scripts' errors and the policy's refusals; a refused form's 422 and the favicon's 404
    # are answers, not faults.
    problems = [
        entry["message"]
        for entry in driver.get_log("browser")
        if (entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"])
        or "Content Security Policy" in entry["message"]
    ]
    assert not problems, problems
    print(f"console: signed {before} -> {after} ({rate_before} -> {rate_after}); {shot_number} screenshots in {SHOTS}")
finally:
    driver.quit()
