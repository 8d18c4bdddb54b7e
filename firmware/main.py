import dsc.app

dsc.app.main()
